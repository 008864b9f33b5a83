"""Types of the imagebuilder API, generated from botocore's service model by
`python -m openimagebuilder.protocol.generate` (`make generate`). Do not edit: a unit test checks
that this file equals the generator's output.

- Errors: one class per error shape, with its code and the model's HTTP status.
- Enums: one StrEnum per enum shape. Requests carry plain strings, which compare equal to the
  members; structure members of an enum shape are typed `str` for that reason.
- Structures: one TypedDict per structure shape (requests, responses and what they contain), keys
  = model member names; the members the model requires are Required.
"""
from datetime import datetime
from enum import StrEnum
from typing import Required, TypedDict

from .service_error import ServiceError

# What a timestamp member holds: AWS's date text on the way in, a datetime or epoch seconds from
# the code that builds a response (the serializer formats all three).
Timestamp = str | float | datetime

# -- errors ---------------------------------------------------------------------------------------


class AccessDeniedException(ServiceError):
    code = "AccessDeniedException"
    status = 403


class CallRateLimitExceededException(ServiceError):
    code = "CallRateLimitExceededException"
    status = 429


class ClientException(ServiceError):
    code = "ClientException"
    status = 400


class DryRunOperationException(ServiceError):
    code = "DryRunOperationException"
    status = 412


class ForbiddenException(ServiceError):
    code = "ForbiddenException"
    status = 403


class IdempotentParameterMismatchException(ServiceError):
    code = "IdempotentParameterMismatchException"
    status = 400


class InvalidPaginationTokenException(ServiceError):
    code = "InvalidPaginationTokenException"
    status = 400


class InvalidParameterCombinationException(ServiceError):
    code = "InvalidParameterCombinationException"
    status = 400


class InvalidParameterException(ServiceError):
    code = "InvalidParameterException"
    status = 400


class InvalidParameterValueException(ServiceError):
    code = "InvalidParameterValueException"
    status = 400


class InvalidRequestException(ServiceError):
    code = "InvalidRequestException"
    status = 400


class InvalidVersionNumberException(ServiceError):
    code = "InvalidVersionNumberException"
    status = 400


class ResourceAlreadyExistsException(ServiceError):
    code = "ResourceAlreadyExistsException"
    status = 400


class ResourceDependencyException(ServiceError):
    code = "ResourceDependencyException"
    status = 400


class ResourceInUseException(ServiceError):
    code = "ResourceInUseException"
    status = 400


class ResourceNotFoundException(ServiceError):
    code = "ResourceNotFoundException"
    status = 404


class ServiceException(ServiceError):
    code = "ServiceException"
    status = 500


class ServiceQuotaExceededException(ServiceError):
    code = "ServiceQuotaExceededException"
    status = 402


class ServiceUnavailableException(ServiceError):
    code = "ServiceUnavailableException"
    status = 503


class TooManyRequestsException(ServiceError):
    code = "TooManyRequestsException"
    status = 429


ERRORS: tuple[type[ServiceError], ...] = (
    AccessDeniedException,
    CallRateLimitExceededException,
    ClientException,
    DryRunOperationException,
    ForbiddenException,
    IdempotentParameterMismatchException,
    InvalidPaginationTokenException,
    InvalidParameterCombinationException,
    InvalidParameterException,
    InvalidParameterValueException,
    InvalidRequestException,
    InvalidVersionNumberException,
    ResourceAlreadyExistsException,
    ResourceDependencyException,
    ResourceInUseException,
    ResourceNotFoundException,
    ServiceException,
    ServiceQuotaExceededException,
    ServiceUnavailableException,
    TooManyRequestsException,
)

# -- enums ----------------------------------------------------------------------------------------


class BuildType(StrEnum):
    USER_INITIATED = "USER_INITIATED"
    SCHEDULED = "SCHEDULED"
    IMPORT = "IMPORT"
    IMPORT_ISO = "IMPORT_ISO"


class ComponentFormat(StrEnum):
    SHELL = "SHELL"


class ComponentStatus(StrEnum):
    DEPRECATED = "DEPRECATED"
    DISABLED = "DISABLED"
    ACTIVE = "ACTIVE"


class ComponentType(StrEnum):
    BUILD = "BUILD"
    TEST = "TEST"


class ContainerRepositoryService(StrEnum):
    ECR = "ECR"


class ContainerType(StrEnum):
    DOCKER = "DOCKER"


class DiskImageFormat(StrEnum):
    VMDK = "VMDK"
    RAW = "RAW"
    VHD = "VHD"


class EbsVolumeType(StrEnum):
    STANDARD = "standard"
    IO1 = "io1"
    IO2 = "io2"
    GP2 = "gp2"
    GP3 = "gp3"
    SC1 = "sc1"
    ST1 = "st1"


class ImageConfigurationStep(StrEnum):
    ASSOCIATE_LICENSES = "ASSOCIATE_LICENSES"
    UPDATE_LAUNCH_TEMPLATES = "UPDATE_LAUNCH_TEMPLATES"
    PUT_SSM_PARAMETERS = "PUT_SSM_PARAMETERS"
    UPDATE_FAST_LAUNCH_CONFIGURATIONS = "UPDATE_FAST_LAUNCH_CONFIGURATIONS"
    EXPORT_AMI = "EXPORT_AMI"


class ImageScanStatus(StrEnum):
    PENDING = "PENDING"
    SCANNING = "SCANNING"
    COLLECTING = "COLLECTING"
    COMPLETED = "COMPLETED"
    ABANDONED = "ABANDONED"
    FAILED = "FAILED"
    TIMED_OUT = "TIMED_OUT"


class ImageScanningType(StrEnum):
    TEST_INSTANCE_CVE = "TEST_INSTANCE_CVE"
    ON_DEMAND_AMI_CVE = "ON_DEMAND_AMI_CVE"


class ImageSource(StrEnum):
    AMAZON_MANAGED = "AMAZON_MANAGED"
    AWS_MARKETPLACE = "AWS_MARKETPLACE"
    IMPORTED = "IMPORTED"
    CUSTOM = "CUSTOM"


class ImageStatus(StrEnum):
    PENDING = "PENDING"
    CREATING = "CREATING"
    BUILDING = "BUILDING"
    TESTING = "TESTING"
    DISTRIBUTING = "DISTRIBUTING"
    INTEGRATING = "INTEGRATING"
    AVAILABLE = "AVAILABLE"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"
    DEPRECATED = "DEPRECATED"
    DELETED = "DELETED"
    DISABLED = "DISABLED"


class ImageType(StrEnum):
    AMI = "AMI"
    DOCKER = "DOCKER"


class LifecycleExecutionResourceActionName(StrEnum):
    AVAILABLE = "AVAILABLE"
    DELETE = "DELETE"
    DEPRECATE = "DEPRECATE"
    DISABLE = "DISABLE"


class LifecycleExecutionResourceStatus(StrEnum):
    FAILED = "FAILED"
    IN_PROGRESS = "IN_PROGRESS"
    SKIPPED = "SKIPPED"
    SUCCESS = "SUCCESS"


class LifecycleExecutionStatus(StrEnum):
    IN_PROGRESS = "IN_PROGRESS"
    CANCELLED = "CANCELLED"
    CANCELLING = "CANCELLING"
    FAILED = "FAILED"
    SUCCESS = "SUCCESS"
    PENDING = "PENDING"


class LifecyclePolicyDetailActionType(StrEnum):
    DELETE = "DELETE"
    DEPRECATE = "DEPRECATE"
    DISABLE = "DISABLE"


class LifecyclePolicyDetailFilterType(StrEnum):
    AGE = "AGE"
    COUNT = "COUNT"


class LifecyclePolicyResourceType(StrEnum):
    AMI_IMAGE = "AMI_IMAGE"
    CONTAINER_IMAGE = "CONTAINER_IMAGE"


class LifecyclePolicyStatus(StrEnum):
    DISABLED = "DISABLED"
    ENABLED = "ENABLED"


class LifecyclePolicyTimeUnit(StrEnum):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


class MarketplaceResourceType(StrEnum):
    COMPONENT_DATA = "COMPONENT_DATA"
    COMPONENT_ARTIFACT = "COMPONENT_ARTIFACT"


class MaximumSeverityLabel(StrEnum):
    INFORMATIONAL = "INFORMATIONAL"
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


class OnWorkflowFailure(StrEnum):
    CONTINUE = "CONTINUE"
    ABORT = "ABORT"


class Ownership(StrEnum):
    SELF = "Self"
    SHARED = "Shared"
    AMAZON = "Amazon"
    THIRD_PARTY = "ThirdParty"
    AWS_MARKETPLACE = "AWSMarketplace"


class PipelineExecutionStartCondition(StrEnum):
    EXPRESSION_MATCH_ONLY = "EXPRESSION_MATCH_ONLY"
    EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE = "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"


class PipelineStatus(StrEnum):
    DISABLED = "DISABLED"
    ENABLED = "ENABLED"


class Platform(StrEnum):
    WINDOWS = "Windows"
    LINUX = "Linux"
    MAC_OS = "macOS"


class ProductCodeType(StrEnum):
    MARKETPLACE = "marketplace"


class RegionFailureStatus(StrEnum):
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    TIMED_OUT = "TIMED_OUT"


class ResourceStatus(StrEnum):
    AVAILABLE = "AVAILABLE"
    DELETED = "DELETED"
    DEPRECATED = "DEPRECATED"
    DISABLED = "DISABLED"


class SsmParameterDataType(StrEnum):
    TEXT = "text"
    AWS_EC2_IMAGE = "aws:ec2:image"


class TenancyType(StrEnum):
    DEFAULT = "default"
    DEDICATED = "dedicated"
    HOST = "host"


class WorkflowExecutionStatus(StrEnum):
    PENDING = "PENDING"
    SKIPPED = "SKIPPED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    ROLLBACK_IN_PROGRESS = "ROLLBACK_IN_PROGRESS"
    ROLLBACK_COMPLETED = "ROLLBACK_COMPLETED"
    CANCELLED = "CANCELLED"


class WorkflowStatus(StrEnum):
    DEPRECATED = "DEPRECATED"


class WorkflowStepActionType(StrEnum):
    RESUME = "RESUME"
    STOP = "STOP"


class WorkflowStepExecutionRollbackStatus(StrEnum):
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    SKIPPED = "SKIPPED"
    FAILED = "FAILED"


class WorkflowStepExecutionStatus(StrEnum):
    PENDING = "PENDING"
    SKIPPED = "SKIPPED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class WorkflowType(StrEnum):
    BUILD = "BUILD"
    TEST = "TEST"
    DISTRIBUTION = "DISTRIBUTION"

# -- structures -----------------------------------------------------------------------------------


class AccountAggregation(TypedDict, total=False):
    accountId: str
    severityCounts: "SeverityCounts"


class AdditionalInstanceConfiguration(TypedDict, total=False):
    systemsManagerAgent: "SystemsManagerAgent"
    userDataOverride: str


class Ami(TypedDict, total=False):
    region: str
    image: str
    name: str
    description: str
    state: "ImageState"
    accountId: str


class AmiDistributionConfiguration(TypedDict, total=False):
    name: str
    description: str
    targetAccountIds: list[str]
    amiTags: dict[str, str]
    kmsKeyId: str
    launchPermission: "LaunchPermissionConfiguration"


class AutoDisablePolicy(TypedDict, total=False):
    failureCount: Required[int]


class AutoScalingGroupConfiguration(TypedDict, total=False):
    name: Required[str]
    capacityWaitTimeoutSeconds: int


class CancelImageCreationRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    clientToken: Required[str]


class CancelImageCreationResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imageBuildVersionArn: str


class CancelLifecycleExecutionRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]
    clientToken: Required[str]


class CancelLifecycleExecutionResponse(TypedDict, total=False):
    lifecycleExecutionId: str


class Component(TypedDict, total=False):
    arn: str
    name: str
    version: str
    description: str
    changeDescription: str
    type: str
    platform: str
    supportedOsVersions: list[str]
    state: "ComponentState"
    parameters: list["ComponentParameterDetail"]
    owner: str
    data: str
    kmsKeyId: str
    encrypted: bool
    dateCreated: str
    tags: dict[str, str]
    publisher: str
    obfuscate: bool
    productCodes: list["ProductCodeListItem"]


class ComponentConfiguration(TypedDict, total=False):
    componentArn: Required[str]
    parameters: list["ComponentParameter"]


class ComponentFailureContext(TypedDict, total=False):
    componentArn: str
    phaseName: str
    stepName: str
    action: str
    errorMessage: str


class ComponentParameter(TypedDict, total=False):
    name: Required[str]
    value: Required[list[str]]


class ComponentParameterDetail(TypedDict, total=False):
    name: Required[str]
    type: Required[str]
    defaultValue: list[str]
    description: str


class ComponentState(TypedDict, total=False):
    status: str
    reason: str


class ComponentSummary(TypedDict, total=False):
    arn: str
    name: str
    version: str
    platform: str
    supportedOsVersions: list[str]
    state: "ComponentState"
    type: str
    owner: str
    description: str
    changeDescription: str
    dateCreated: str
    tags: dict[str, str]
    publisher: str
    obfuscate: bool


class ComponentVersion(TypedDict, total=False):
    arn: str
    name: str
    version: str
    description: str
    platform: str
    supportedOsVersions: list[str]
    type: str
    owner: str
    dateCreated: str
    status: str
    productCodes: list["ProductCodeListItem"]


class Container(TypedDict, total=False):
    region: str
    imageUris: list[str]


class ContainerDistributionConfiguration(TypedDict, total=False):
    description: str
    containerTags: list[str]
    targetRepository: Required["TargetContainerRepository"]


class ContainerRecipe(TypedDict, total=False):
    arn: str
    containerType: str
    name: str
    description: str
    platform: str
    owner: str
    version: str
    components: list["ComponentConfiguration"]
    instanceConfiguration: "InstanceConfiguration"
    dockerfileTemplateData: str
    kmsKeyId: str
    encrypted: bool
    parentImage: str
    dateCreated: str
    tags: dict[str, str]
    workingDirectory: str
    targetRepository: "TargetContainerRepository"


class ContainerRecipeSummary(TypedDict, total=False):
    arn: str
    containerType: str
    name: str
    platform: str
    owner: str
    parentImage: str
    dateCreated: str
    instanceImage: str
    tags: dict[str, str]


class CreateComponentRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str
    changeDescription: str
    platform: Required[str]
    supportedOsVersions: list[str]
    data: str
    uri: str
    kmsKeyId: str
    tags: dict[str, str]
    clientToken: Required[str]
    dryRun: bool


class CreateComponentResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    componentBuildVersionArn: str
    latestVersionReferences: "LatestVersionReferences"


class CreateContainerRecipeRequest(TypedDict, total=False):
    containerType: Required[str]
    name: Required[str]
    description: str
    semanticVersion: Required[str]
    components: list["ComponentConfiguration"]
    instanceConfiguration: "InstanceConfiguration"
    dockerfileTemplateData: str
    dockerfileTemplateUri: str
    platformOverride: str
    imageOsVersionOverride: str
    parentImage: Required[str]
    tags: dict[str, str]
    workingDirectory: str
    targetRepository: Required["TargetContainerRepository"]
    kmsKeyId: str
    clientToken: Required[str]
    dryRun: bool


class CreateContainerRecipeResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    containerRecipeArn: str
    latestVersionReferences: "LatestVersionReferences"


class CreateDistributionConfigurationRequest(TypedDict, total=False):
    name: Required[str]
    description: str
    distributions: Required[list["Distribution"]]
    tags: dict[str, str]
    clientToken: Required[str]
    dryRun: bool


class CreateDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    distributionConfigurationArn: str


class CreateImagePipelineRequest(TypedDict, total=False):
    name: Required[str]
    description: str
    imageRecipeArn: str
    containerRecipeArn: str
    infrastructureConfigurationArn: Required[str]
    distributionConfigurationArn: str
    imageTestsConfiguration: "ImageTestsConfiguration"
    enhancedImageMetadataEnabled: bool
    schedule: "Schedule"
    status: str
    tags: dict[str, str]
    imageTags: dict[str, str]
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration"
    workflows: list["WorkflowConfiguration"]
    executionRole: str
    loggingConfiguration: "PipelineLoggingConfiguration"
    dryRun: bool


class CreateImagePipelineResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imagePipelineArn: str


class CreateImageRecipeRequest(TypedDict, total=False):
    name: Required[str]
    description: str
    semanticVersion: Required[str]
    components: list["ComponentConfiguration"]
    parentImage: Required[str]
    blockDeviceMappings: list["InstanceBlockDeviceMapping"]
    tags: dict[str, str]
    workingDirectory: str
    additionalInstanceConfiguration: "AdditionalInstanceConfiguration"
    amiTags: dict[str, str]
    amiWatermarks: list[str]
    clientToken: Required[str]
    dryRun: bool


class CreateImageRecipeResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imageRecipeArn: str
    latestVersionReferences: "LatestVersionReferences"


class CreateImageRequest(TypedDict, total=False):
    imageRecipeArn: str
    containerRecipeArn: str
    distributionConfigurationArn: str
    infrastructureConfigurationArn: Required[str]
    imageTestsConfiguration: "ImageTestsConfiguration"
    enhancedImageMetadataEnabled: bool
    tags: dict[str, str]
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration"
    workflows: list["WorkflowConfiguration"]
    executionRole: str
    loggingConfiguration: "ImageLoggingConfiguration"


class CreateImageResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imageBuildVersionArn: str
    latestVersionReferences: "LatestVersionReferences"


class CreateInfrastructureConfigurationRequest(TypedDict, total=False):
    name: Required[str]
    description: str
    instanceTypes: list[str]
    instanceProfileName: Required[str]
    securityGroupIds: list[str]
    subnetId: str
    logging: "Logging"
    keyPair: str
    terminateInstanceOnFailure: bool
    terminateInstanceOnCompletion: bool
    snsTopicArn: str
    resourceTags: dict[str, str]
    instanceMetadataOptions: "InstanceMetadataOptions"
    tags: dict[str, str]
    placement: "Placement"
    parentInstance: "ParentInstanceConfiguration"
    clientToken: Required[str]
    dryRun: bool


class CreateInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    infrastructureConfigurationArn: str


class CreateLifecyclePolicyRequest(TypedDict, total=False):
    name: Required[str]
    description: str
    status: str
    executionRole: Required[str]
    resourceType: Required[str]
    policyDetails: Required[list["LifecyclePolicyDetail"]]
    resourceSelection: Required["LifecyclePolicyResourceSelection"]
    tags: dict[str, str]
    clientToken: Required[str]
    dryRun: bool


class CreateLifecyclePolicyResponse(TypedDict, total=False):
    clientToken: str
    lifecyclePolicyArn: str


class CreateWorkflowRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str
    changeDescription: str
    data: str
    uri: str
    kmsKeyId: str
    tags: dict[str, str]
    clientToken: Required[str]
    type: Required[str]
    dryRun: bool


class CreateWorkflowResponse(TypedDict, total=False):
    clientToken: str
    workflowBuildVersionArn: str
    latestVersionReferences: "LatestVersionReferences"


class CvssScore(TypedDict, total=False):
    baseScore: float
    scoringVector: str
    version: str
    source: str


class CvssScoreAdjustment(TypedDict, total=False):
    metric: str
    reason: str


class CvssScoreDetails(TypedDict, total=False):
    scoreSource: str
    cvssSource: str
    version: str
    score: float
    scoringVector: str
    adjustments: list["CvssScoreAdjustment"]


class DeleteComponentRequest(TypedDict, total=False):
    componentBuildVersionArn: Required[str]


class DeleteComponentResponse(TypedDict, total=False):
    requestId: str
    componentBuildVersionArn: str


class DeleteContainerRecipeRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class DeleteContainerRecipeResponse(TypedDict, total=False):
    requestId: str
    containerRecipeArn: str


class DeleteDistributionConfigurationRequest(TypedDict, total=False):
    distributionConfigurationArn: Required[str]


class DeleteDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str
    distributionConfigurationArn: str


class DeleteImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]


class DeleteImagePipelineResponse(TypedDict, total=False):
    requestId: str
    imagePipelineArn: str


class DeleteImageRecipeRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class DeleteImageRecipeResponse(TypedDict, total=False):
    requestId: str
    imageRecipeArn: str


class DeleteImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]


class DeleteImageResponse(TypedDict, total=False):
    requestId: str
    imageBuildVersionArn: str


class DeleteInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]


class DeleteInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str
    infrastructureConfigurationArn: str


class DeleteLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]


class DeleteLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicyArn: str


class DeleteWorkflowRequest(TypedDict, total=False):
    workflowBuildVersionArn: Required[str]


class DeleteWorkflowResponse(TypedDict, total=False):
    workflowBuildVersionArn: str


class DistributeImageRequest(TypedDict, total=False):
    sourceImage: Required[str]
    distributionConfigurationArn: Required[str]
    executionRole: Required[str]
    tags: dict[str, str]
    clientToken: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration"


class DistributeImageResponse(TypedDict, total=False):
    clientToken: str
    imageBuildVersionArn: str


class Distribution(TypedDict, total=False):
    region: Required[str]
    amiDistributionConfiguration: "AmiDistributionConfiguration"
    containerDistributionConfiguration: "ContainerDistributionConfiguration"
    licenseConfigurationArns: list[str]
    launchTemplateConfigurations: list["LaunchTemplateConfiguration"]
    s3ExportConfiguration: "S3ExportConfiguration"
    fastLaunchConfigurations: list["FastLaunchConfiguration"]
    ssmParameterConfigurations: list["SsmParameterConfiguration"]


class DistributionConfiguration(TypedDict, total=False):
    arn: str
    name: str
    description: str
    distributions: list["Distribution"]
    timeoutMinutes: Required[int]
    dateCreated: str
    dateUpdated: str
    tags: dict[str, str]


class DistributionConfigurationSummary(TypedDict, total=False):
    arn: str
    name: str
    description: str
    dateCreated: str
    dateUpdated: str
    tags: dict[str, str]
    regions: list[str]


class DistributionFailureContext(TypedDict, total=False):
    errorMessage: str
    regionFailures: list["RegionFailure"]


class EbsInstanceBlockDeviceSpecification(TypedDict, total=False):
    encrypted: bool
    deleteOnTermination: bool
    iops: int
    kmsKeyId: str
    snapshotId: str
    volumeSize: int
    volumeType: str
    throughput: int


class EcrConfiguration(TypedDict, total=False):
    repositoryName: str
    containerTags: list[str]


class FastLaunchConfiguration(TypedDict, total=False):
    enabled: Required[bool]
    snapshotConfiguration: "FastLaunchSnapshotConfiguration"
    maxParallelLaunches: int
    launchTemplate: "FastLaunchLaunchTemplateSpecification"
    accountId: str


class FastLaunchLaunchTemplateSpecification(TypedDict, total=False):
    launchTemplateId: str
    launchTemplateName: str
    launchTemplateVersion: str


class FastLaunchSnapshotConfiguration(TypedDict, total=False):
    targetResourceCount: int


class Filter(TypedDict, total=False):
    name: str
    values: list[str]


class GetComponentPolicyRequest(TypedDict, total=False):
    componentArn: Required[str]


class GetComponentPolicyResponse(TypedDict, total=False):
    requestId: str
    policy: str


class GetComponentRequest(TypedDict, total=False):
    componentBuildVersionArn: Required[str]


class GetComponentResponse(TypedDict, total=False):
    requestId: str
    component: "Component"
    latestVersionReferences: "LatestVersionReferences"


class GetContainerRecipePolicyRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class GetContainerRecipePolicyResponse(TypedDict, total=False):
    requestId: str
    policy: str


class GetContainerRecipeRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class GetContainerRecipeResponse(TypedDict, total=False):
    requestId: str
    containerRecipe: "ContainerRecipe"
    latestVersionReferences: "LatestVersionReferences"


class GetDistributionConfigurationRequest(TypedDict, total=False):
    distributionConfigurationArn: Required[str]


class GetDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str
    distributionConfiguration: "DistributionConfiguration"


class GetImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]


class GetImagePipelineResponse(TypedDict, total=False):
    requestId: str
    imagePipeline: "ImagePipeline"


class GetImagePolicyRequest(TypedDict, total=False):
    imageArn: Required[str]


class GetImagePolicyResponse(TypedDict, total=False):
    requestId: str
    policy: str


class GetImageRecipePolicyRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class GetImageRecipePolicyResponse(TypedDict, total=False):
    requestId: str
    policy: str


class GetImageRecipeRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class GetImageRecipeResponse(TypedDict, total=False):
    requestId: str
    imageRecipe: "ImageRecipe"
    latestVersionReferences: "LatestVersionReferences"


class GetImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]


class GetImageResponse(TypedDict, total=False):
    requestId: str
    image: "Image"
    latestVersionReferences: "LatestVersionReferences"


class GetInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]


class GetInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str
    infrastructureConfiguration: "InfrastructureConfiguration"


class GetLifecycleExecutionRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]


class GetLifecycleExecutionResponse(TypedDict, total=False):
    lifecycleExecution: "LifecycleExecution"


class GetLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]


class GetLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicy: "LifecyclePolicy"


class GetMarketplaceResourceRequest(TypedDict, total=False):
    resourceType: Required[str]
    resourceArn: Required[str]
    resourceLocation: str


class GetMarketplaceResourceResponse(TypedDict, total=False):
    resourceArn: str
    url: str
    data: str


class GetWorkflowExecutionRequest(TypedDict, total=False):
    workflowExecutionId: Required[str]


class GetWorkflowExecutionResponse(TypedDict, total=False):
    requestId: str
    workflowBuildVersionArn: str
    workflowExecutionId: str
    imageBuildVersionArn: str
    type: str
    status: str
    message: str
    totalStepCount: int
    totalStepsSucceeded: int
    totalStepsFailed: int
    totalStepsSkipped: int
    startTime: str
    endTime: str
    parallelGroup: str


class GetWorkflowRequest(TypedDict, total=False):
    workflowBuildVersionArn: Required[str]


class GetWorkflowResponse(TypedDict, total=False):
    workflow: "Workflow"
    latestVersionReferences: "LatestVersionReferences"


class GetWorkflowStepExecutionRequest(TypedDict, total=False):
    stepExecutionId: Required[str]


class GetWorkflowStepExecutionResponse(TypedDict, total=False):
    requestId: str
    stepExecutionId: str
    workflowBuildVersionArn: str
    workflowExecutionId: str
    imageBuildVersionArn: str
    name: str
    description: str
    action: str
    status: str
    rollbackStatus: str
    message: str
    inputs: str
    outputs: str
    startTime: str
    endTime: str
    onFailure: str
    timeoutSeconds: int
    attemptNumber: int
    maxAttempts: int


class Image(TypedDict, total=False):
    arn: str
    type: str
    name: str
    version: str
    platform: str
    enhancedImageMetadataEnabled: bool
    osVersion: str
    state: "ImageState"
    imageRecipe: "ImageRecipe"
    containerRecipe: "ContainerRecipe"
    sourcePipelineName: str
    sourcePipelineArn: str
    infrastructureConfiguration: "InfrastructureConfiguration"
    distributionConfiguration: "DistributionConfiguration"
    imageTestsConfiguration: "ImageTestsConfiguration"
    dateCreated: str
    outputResources: "OutputResources"
    tags: dict[str, str]
    buildType: str
    imageSource: str
    scanState: "ImageScanState"
    imageScanningConfiguration: "ImageScanningConfiguration"
    deprecationTime: Timestamp
    lifecycleExecutionId: str
    executionRole: str
    workflows: list["WorkflowConfiguration"]
    loggingConfiguration: "ImageLoggingConfiguration"


class ImageAggregation(TypedDict, total=False):
    imageBuildVersionArn: str
    severityCounts: "SeverityCounts"


class ImageFailureContext(TypedDict, total=False):
    imageStatus: str
    workflowExecutionId: str
    workflowArn: str
    stepExecutionId: str
    failedStep: str
    componentFailure: "ComponentFailureContext"
    distributionFailure: "DistributionFailureContext"


class ImageLoggingConfiguration(TypedDict, total=False):
    logGroupName: str


class ImagePackage(TypedDict, total=False):
    packageName: str
    packageVersion: str


class ImagePipeline(TypedDict, total=False):
    arn: str
    name: str
    description: str
    platform: str
    enhancedImageMetadataEnabled: bool
    imageRecipeArn: str
    containerRecipeArn: str
    infrastructureConfigurationArn: str
    distributionConfigurationArn: str
    imageTestsConfiguration: "ImageTestsConfiguration"
    schedule: "Schedule"
    status: str
    dateCreated: str
    dateUpdated: str
    dateLastRun: str
    lastRunStatus: str
    dateNextRun: str
    tags: dict[str, str]
    imageScanningConfiguration: "ImageScanningConfiguration"
    imageTags: dict[str, str]
    executionRole: str
    workflows: list["WorkflowConfiguration"]
    loggingConfiguration: "PipelineLoggingConfiguration"
    consecutiveFailures: int


class ImagePipelineAggregation(TypedDict, total=False):
    imagePipelineArn: str
    severityCounts: "SeverityCounts"


class ImageRecipe(TypedDict, total=False):
    arn: str
    type: str
    name: str
    description: str
    platform: str
    owner: str
    version: str
    components: list["ComponentConfiguration"]
    parentImage: str
    blockDeviceMappings: list["InstanceBlockDeviceMapping"]
    dateCreated: str
    tags: dict[str, str]
    workingDirectory: str
    additionalInstanceConfiguration: "AdditionalInstanceConfiguration"
    amiTags: dict[str, str]
    amiWatermarks: list[str]


class ImageRecipeSummary(TypedDict, total=False):
    arn: str
    name: str
    platform: str
    owner: str
    parentImage: str
    dateCreated: str
    tags: dict[str, str]


class ImageScanFinding(TypedDict, total=False):
    awsAccountId: str
    imageBuildVersionArn: str
    imagePipelineArn: str
    type: str
    description: str
    title: str
    remediation: "Remediation"
    severity: str
    firstObservedAt: Timestamp
    updatedAt: Timestamp
    inspectorScore: float
    inspectorScoreDetails: "InspectorScoreDetails"
    packageVulnerabilityDetails: "PackageVulnerabilityDetails"
    fixAvailable: str


class ImageScanFindingAggregation(TypedDict, total=False):
    accountAggregation: "AccountAggregation"
    imageAggregation: "ImageAggregation"
    imagePipelineAggregation: "ImagePipelineAggregation"
    vulnerabilityIdAggregation: "VulnerabilityIdAggregation"


class ImageScanFindingsFilter(TypedDict, total=False):
    name: str
    values: list[str]


class ImageScanState(TypedDict, total=False):
    status: str
    reason: str


class ImageScanningConfiguration(TypedDict, total=False):
    imageScanningEnabled: bool
    ecrConfiguration: "EcrConfiguration"
    imageScanningTypes: list[str]
    scanResultCondition: "ScanResultCondition"


class ImageState(TypedDict, total=False):
    status: str
    reason: str
    failureContext: "ImageFailureContext"


class ImageSummary(TypedDict, total=False):
    arn: str
    name: str
    type: str
    version: str
    platform: str
    osVersion: str
    state: "ImageState"
    owner: str
    dateCreated: str
    outputResources: "OutputResources"
    tags: dict[str, str]
    buildType: str
    imageSource: str
    deprecationTime: Timestamp
    lifecycleExecutionId: str
    loggingConfiguration: "ImageLoggingConfiguration"


class ImageTestsConfiguration(TypedDict, total=False):
    imageTestsEnabled: bool
    timeoutMinutes: int


class ImageVersion(TypedDict, total=False):
    arn: str
    name: str
    type: str
    version: str
    platform: str
    osVersion: str
    owner: str
    dateCreated: str
    buildType: str
    imageSource: str


class ImportComponentRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str
    changeDescription: str
    type: Required[str]
    format: Required[str]
    platform: Required[str]
    data: str
    uri: str
    kmsKeyId: str
    tags: dict[str, str]
    clientToken: Required[str]


class ImportComponentResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    componentBuildVersionArn: str


class ImportDiskImageRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str
    platform: Required[str]
    osVersion: Required[str]
    executionRole: str
    infrastructureConfigurationArn: Required[str]
    uri: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration"
    tags: dict[str, str]
    registerImageOptions: "RegisterImageOptions"
    windowsConfiguration: "WindowsConfiguration"
    clientToken: Required[str]


class ImportDiskImageResponse(TypedDict, total=False):
    clientToken: str
    imageBuildVersionArn: str


class ImportVmImageRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str
    platform: Required[str]
    osVersion: str
    vmImportTaskId: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration"
    tags: dict[str, str]
    clientToken: Required[str]


class ImportVmImageResponse(TypedDict, total=False):
    requestId: str
    imageArn: str
    clientToken: str


class InfrastructureConfiguration(TypedDict, total=False):
    arn: str
    name: str
    description: str
    instanceTypes: list[str]
    instanceProfileName: str
    securityGroupIds: list[str]
    subnetId: str
    logging: "Logging"
    keyPair: str
    terminateInstanceOnFailure: bool
    snsTopicArn: str
    dateCreated: str
    dateUpdated: str
    resourceTags: dict[str, str]
    instanceMetadataOptions: "InstanceMetadataOptions"
    tags: dict[str, str]
    placement: "Placement"
    terminateInstanceOnCompletion: bool
    parentInstance: "ParentInstanceConfiguration"


class InfrastructureConfigurationSummary(TypedDict, total=False):
    arn: str
    name: str
    description: str
    dateCreated: str
    dateUpdated: str
    resourceTags: dict[str, str]
    tags: dict[str, str]
    instanceTypes: list[str]
    instanceProfileName: str
    placement: "Placement"


class InspectorScoreDetails(TypedDict, total=False):
    adjustedCvss: "CvssScoreDetails"


class InstanceBlockDeviceMapping(TypedDict, total=False):
    deviceName: str
    ebs: "EbsInstanceBlockDeviceSpecification"
    virtualName: str
    noDevice: str


class InstanceConfiguration(TypedDict, total=False):
    image: str
    blockDeviceMappings: list["InstanceBlockDeviceMapping"]


class InstanceMetadataOptions(TypedDict, total=False):
    httpTokens: str
    httpPutResponseHopLimit: int


class LatestVersionReferences(TypedDict, total=False):
    latestVersionArn: str
    latestMajorVersionArn: str
    latestMinorVersionArn: str
    latestPatchVersionArn: str


class LaunchPermissionConfiguration(TypedDict, total=False):
    userIds: list[str]
    userGroups: list[str]
    organizationArns: list[str]
    organizationalUnitArns: list[str]


class LaunchTemplateConfiguration(TypedDict, total=False):
    launchTemplateId: Required[str]
    accountId: str
    setDefaultVersion: bool


class LifecycleExecution(TypedDict, total=False):
    lifecycleExecutionId: str
    lifecyclePolicyArn: str
    resourcesImpactedSummary: "LifecycleExecutionResourcesImpactedSummary"
    state: "LifecycleExecutionState"
    startTime: Timestamp
    endTime: Timestamp


class LifecycleExecutionResource(TypedDict, total=False):
    accountId: str
    resourceId: str
    state: "LifecycleExecutionResourceState"
    action: "LifecycleExecutionResourceAction"
    region: str
    snapshots: list["LifecycleExecutionSnapshotResource"]
    imageUris: list[str]
    startTime: Timestamp
    endTime: Timestamp


class LifecycleExecutionResourceAction(TypedDict, total=False):
    name: str
    reason: str


class LifecycleExecutionResourceState(TypedDict, total=False):
    status: str
    reason: str


class LifecycleExecutionResourcesImpactedSummary(TypedDict, total=False):
    hasImpactedResources: bool


class LifecycleExecutionSnapshotResource(TypedDict, total=False):
    snapshotId: str
    state: "LifecycleExecutionResourceState"


class LifecycleExecutionState(TypedDict, total=False):
    status: str
    reason: str


class LifecyclePolicy(TypedDict, total=False):
    arn: str
    name: str
    description: str
    status: str
    executionRole: str
    resourceType: str
    policyDetails: list["LifecyclePolicyDetail"]
    resourceSelection: "LifecyclePolicyResourceSelection"
    dateCreated: Timestamp
    dateUpdated: Timestamp
    dateLastRun: Timestamp
    tags: dict[str, str]


class LifecyclePolicyDetail(TypedDict, total=False):
    action: Required["LifecyclePolicyDetailAction"]
    filter: Required["LifecyclePolicyDetailFilter"]
    exclusionRules: "LifecyclePolicyDetailExclusionRules"


class LifecyclePolicyDetailAction(TypedDict, total=False):
    type: Required[str]
    includeResources: "LifecyclePolicyDetailActionIncludeResources"


class LifecyclePolicyDetailActionIncludeResources(TypedDict, total=False):
    amis: bool
    snapshots: bool
    containers: bool


class LifecyclePolicyDetailExclusionRules(TypedDict, total=False):
    tagMap: dict[str, str]
    amis: "LifecyclePolicyDetailExclusionRulesAmis"


class LifecyclePolicyDetailExclusionRulesAmis(TypedDict, total=False):
    isPublic: bool
    regions: list[str]
    sharedAccounts: list[str]
    lastLaunched: "LifecyclePolicyDetailExclusionRulesAmisLastLaunched"
    tagMap: dict[str, str]


class LifecyclePolicyDetailExclusionRulesAmisLastLaunched(TypedDict, total=False):
    value: Required[int]
    unit: Required[str]


class LifecyclePolicyDetailFilter(TypedDict, total=False):
    type: Required[str]
    value: Required[int]
    unit: str
    retainAtLeast: int


class LifecyclePolicyResourceSelection(TypedDict, total=False):
    recipes: list["LifecyclePolicyResourceSelectionRecipe"]
    tagMap: dict[str, str]


class LifecyclePolicyResourceSelectionRecipe(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]


class LifecyclePolicySummary(TypedDict, total=False):
    arn: str
    name: str
    description: str
    status: str
    executionRole: str
    resourceType: str
    dateCreated: Timestamp
    dateUpdated: Timestamp
    dateLastRun: Timestamp
    tags: dict[str, str]


class ListComponentBuildVersionsRequest(TypedDict, total=False):
    componentVersionArn: str
    maxResults: int
    nextToken: str


class ListComponentBuildVersionsResponse(TypedDict, total=False):
    requestId: str
    componentSummaryList: list["ComponentSummary"]
    nextToken: str


class ListComponentsRequest(TypedDict, total=False):
    owner: str
    filters: list["Filter"]
    byName: bool
    maxResults: int
    nextToken: str


class ListComponentsResponse(TypedDict, total=False):
    requestId: str
    componentVersionList: list["ComponentVersion"]
    nextToken: str


class ListContainerRecipesRequest(TypedDict, total=False):
    owner: str
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListContainerRecipesResponse(TypedDict, total=False):
    requestId: str
    containerRecipeSummaryList: list["ContainerRecipeSummary"]
    nextToken: str


class ListDistributionConfigurationsRequest(TypedDict, total=False):
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListDistributionConfigurationsResponse(TypedDict, total=False):
    requestId: str
    distributionConfigurationSummaryList: list["DistributionConfigurationSummary"]
    nextToken: str


class ListImageBuildVersionsRequest(TypedDict, total=False):
    imageVersionArn: str
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListImageBuildVersionsResponse(TypedDict, total=False):
    requestId: str
    imageSummaryList: list["ImageSummary"]
    nextToken: str


class ListImagePackagesRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    maxResults: int
    nextToken: str


class ListImagePackagesResponse(TypedDict, total=False):
    requestId: str
    imagePackageList: list["ImagePackage"]
    nextToken: str


class ListImagePipelineImagesRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListImagePipelineImagesResponse(TypedDict, total=False):
    requestId: str
    imageSummaryList: list["ImageSummary"]
    nextToken: str


class ListImagePipelinesRequest(TypedDict, total=False):
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListImagePipelinesResponse(TypedDict, total=False):
    requestId: str
    imagePipelineList: list["ImagePipeline"]
    nextToken: str


class ListImageRecipesRequest(TypedDict, total=False):
    owner: str
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListImageRecipesResponse(TypedDict, total=False):
    requestId: str
    imageRecipeSummaryList: list["ImageRecipeSummary"]
    nextToken: str


class ListImageScanFindingAggregationsRequest(TypedDict, total=False):
    filter: "Filter"
    nextToken: str


class ListImageScanFindingAggregationsResponse(TypedDict, total=False):
    requestId: str
    aggregationType: str
    responses: list["ImageScanFindingAggregation"]
    nextToken: str


class ListImageScanFindingsRequest(TypedDict, total=False):
    filters: list["ImageScanFindingsFilter"]
    maxResults: int
    nextToken: str


class ListImageScanFindingsResponse(TypedDict, total=False):
    requestId: str
    findings: list["ImageScanFinding"]
    nextToken: str


class ListImagesRequest(TypedDict, total=False):
    owner: str
    filters: list["Filter"]
    byName: bool
    maxResults: int
    nextToken: str
    includeDeprecated: bool


class ListImagesResponse(TypedDict, total=False):
    requestId: str
    imageVersionList: list["ImageVersion"]
    nextToken: str


class ListInfrastructureConfigurationsRequest(TypedDict, total=False):
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListInfrastructureConfigurationsResponse(TypedDict, total=False):
    requestId: str
    infrastructureConfigurationSummaryList: list["InfrastructureConfigurationSummary"]
    nextToken: str


class ListLifecycleExecutionResourcesRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]
    parentResourceId: str
    maxResults: int
    nextToken: str


class ListLifecycleExecutionResourcesResponse(TypedDict, total=False):
    lifecycleExecutionId: str
    lifecycleExecutionState: "LifecycleExecutionState"
    resources: list["LifecycleExecutionResource"]
    nextToken: str


class ListLifecycleExecutionsRequest(TypedDict, total=False):
    maxResults: int
    nextToken: str
    resourceArn: Required[str]


class ListLifecycleExecutionsResponse(TypedDict, total=False):
    lifecycleExecutions: list["LifecycleExecution"]
    nextToken: str


class ListLifecyclePoliciesRequest(TypedDict, total=False):
    filters: list["Filter"]
    maxResults: int
    nextToken: str


class ListLifecyclePoliciesResponse(TypedDict, total=False):
    lifecyclePolicySummaryList: list["LifecyclePolicySummary"]
    nextToken: str


class ListTagsForResourceRequest(TypedDict, total=False):
    resourceArn: Required[str]


class ListTagsForResourceResponse(TypedDict, total=False):
    tags: dict[str, str]


class ListWaitingWorkflowStepsRequest(TypedDict, total=False):
    maxResults: int
    nextToken: str


class ListWaitingWorkflowStepsResponse(TypedDict, total=False):
    steps: list["WorkflowStepExecution"]
    nextToken: str


class ListWorkflowBuildVersionsRequest(TypedDict, total=False):
    workflowVersionArn: str
    maxResults: int
    nextToken: str


class ListWorkflowBuildVersionsResponse(TypedDict, total=False):
    workflowSummaryList: list["WorkflowSummary"]
    nextToken: str


class ListWorkflowExecutionsRequest(TypedDict, total=False):
    maxResults: int
    nextToken: str
    imageBuildVersionArn: Required[str]


class ListWorkflowExecutionsResponse(TypedDict, total=False):
    requestId: str
    workflowExecutions: list["WorkflowExecutionMetadata"]
    imageBuildVersionArn: str
    message: str
    nextToken: str


class ListWorkflowStepExecutionsRequest(TypedDict, total=False):
    maxResults: int
    nextToken: str
    workflowExecutionId: Required[str]


class ListWorkflowStepExecutionsResponse(TypedDict, total=False):
    requestId: str
    steps: list["WorkflowStepMetadata"]
    workflowBuildVersionArn: str
    workflowExecutionId: str
    imageBuildVersionArn: str
    message: str
    nextToken: str


class ListWorkflowsRequest(TypedDict, total=False):
    owner: str
    filters: list["Filter"]
    byName: bool
    maxResults: int
    nextToken: str


class ListWorkflowsResponse(TypedDict, total=False):
    workflowVersionList: list["WorkflowVersion"]
    nextToken: str


class Logging(TypedDict, total=False):
    s3Logs: "S3Logs"


class OutputResources(TypedDict, total=False):
    amis: list["Ami"]
    containers: list["Container"]


class PackageVulnerabilityDetails(TypedDict, total=False):
    vulnerabilityId: Required[str]
    vulnerablePackages: list["VulnerablePackage"]
    source: str
    cvss: list["CvssScore"]
    relatedVulnerabilities: list[str]
    sourceUrl: str
    vendorSeverity: str
    vendorCreatedAt: Timestamp
    vendorUpdatedAt: Timestamp
    referenceUrls: list[str]


class ParentInstanceConfiguration(TypedDict, total=False):
    autoScalingGroup: Required["AutoScalingGroupConfiguration"]


class PipelineLoggingConfiguration(TypedDict, total=False):
    imageLogGroupName: str
    pipelineLogGroupName: str


class Placement(TypedDict, total=False):
    availabilityZone: str
    tenancy: str
    hostId: str
    hostResourceGroupArn: str


class ProductCodeListItem(TypedDict, total=False):
    productCodeId: Required[str]
    productCodeType: Required[str]


class PutComponentPolicyRequest(TypedDict, total=False):
    componentArn: Required[str]
    policy: Required[str]


class PutComponentPolicyResponse(TypedDict, total=False):
    requestId: str
    componentArn: str


class PutContainerRecipePolicyRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]
    policy: Required[str]


class PutContainerRecipePolicyResponse(TypedDict, total=False):
    requestId: str
    containerRecipeArn: str


class PutImagePolicyRequest(TypedDict, total=False):
    imageArn: Required[str]
    policy: Required[str]


class PutImagePolicyResponse(TypedDict, total=False):
    requestId: str
    imageArn: str


class PutImageRecipePolicyRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]
    policy: Required[str]


class PutImageRecipePolicyResponse(TypedDict, total=False):
    requestId: str
    imageRecipeArn: str


class RegionFailure(TypedDict, total=False):
    region: str
    status: str
    imageConfigurationStep: str
    errorMessage: str
    targetAccountId: str


class RegisterImageOptions(TypedDict, total=False):
    secureBootEnabled: bool
    uefiData: str


class Remediation(TypedDict, total=False):
    recommendation: "RemediationRecommendation"


class RemediationRecommendation(TypedDict, total=False):
    text: str
    url: str


class ResourceState(TypedDict, total=False):
    status: str


class ResourceStateUpdateExclusionRules(TypedDict, total=False):
    amis: "LifecyclePolicyDetailExclusionRulesAmis"


class ResourceStateUpdateIncludeResources(TypedDict, total=False):
    amis: bool
    snapshots: bool
    containers: bool


class RetryImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    clientToken: Required[str]


class RetryImageResponse(TypedDict, total=False):
    clientToken: str
    imageBuildVersionArn: str


class S3ExportConfiguration(TypedDict, total=False):
    roleName: Required[str]
    diskImageFormat: Required[str]
    s3Bucket: Required[str]
    s3Prefix: str


class S3Logs(TypedDict, total=False):
    s3BucketName: str
    s3KeyPrefix: str


class ScanResultCondition(TypedDict, total=False):
    maximumSeverityLabel: Required[str]
    fixAvailable: bool


class Schedule(TypedDict, total=False):
    scheduleExpression: str
    timezone: str
    pipelineExecutionStartCondition: str
    autoDisablePolicy: "AutoDisablePolicy"


class SendWorkflowStepActionRequest(TypedDict, total=False):
    stepExecutionId: Required[str]
    imageBuildVersionArn: Required[str]
    action: Required[str]
    reason: str
    clientToken: Required[str]


class SendWorkflowStepActionResponse(TypedDict, total=False):
    stepExecutionId: str
    imageBuildVersionArn: str
    clientToken: str


class SeverityCounts(TypedDict, total=False):
    all: int
    critical: int
    high: int
    medium: int


class SsmParameterConfiguration(TypedDict, total=False):
    amiAccountId: str
    parameterName: Required[str]
    dataType: str


class StartImagePipelineExecutionRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    clientToken: Required[str]
    tags: dict[str, str]


class StartImagePipelineExecutionResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imageBuildVersionArn: str


class StartResourceStateUpdateRequest(TypedDict, total=False):
    resourceArn: Required[str]
    state: Required["ResourceState"]
    executionRole: str
    includeResources: "ResourceStateUpdateIncludeResources"
    exclusionRules: "ResourceStateUpdateExclusionRules"
    updateAt: Timestamp
    clientToken: Required[str]


class StartResourceStateUpdateResponse(TypedDict, total=False):
    lifecycleExecutionId: str
    resourceArn: str


class SystemsManagerAgent(TypedDict, total=False):
    uninstallAfterBuild: bool


class TagResourceRequest(TypedDict, total=False):
    resourceArn: Required[str]
    tags: Required[dict[str, str]]


class TagResourceResponse(TypedDict, total=False):
    pass


class TargetContainerRepository(TypedDict, total=False):
    service: Required[str]
    repositoryName: Required[str]


class UntagResourceRequest(TypedDict, total=False):
    resourceArn: Required[str]
    tagKeys: Required[list[str]]


class UntagResourceResponse(TypedDict, total=False):
    pass


class UpdateDistributionConfigurationRequest(TypedDict, total=False):
    distributionConfigurationArn: Required[str]
    description: str
    distributions: Required[list["Distribution"]]
    clientToken: Required[str]


class UpdateDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    distributionConfigurationArn: str


class UpdateImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    description: str
    imageRecipeArn: str
    containerRecipeArn: str
    infrastructureConfigurationArn: Required[str]
    distributionConfigurationArn: str
    imageTestsConfiguration: "ImageTestsConfiguration"
    enhancedImageMetadataEnabled: bool
    schedule: "Schedule"
    status: str
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration"
    workflows: list["WorkflowConfiguration"]
    loggingConfiguration: "PipelineLoggingConfiguration"
    executionRole: str
    imageTags: dict[str, str]


class UpdateImagePipelineResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    imagePipelineArn: str


class UpdateInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]
    description: str
    instanceTypes: list[str]
    instanceProfileName: Required[str]
    securityGroupIds: list[str]
    subnetId: str
    logging: "Logging"
    keyPair: str
    terminateInstanceOnFailure: bool
    terminateInstanceOnCompletion: bool
    snsTopicArn: str
    resourceTags: dict[str, str]
    instanceMetadataOptions: "InstanceMetadataOptions"
    placement: "Placement"
    parentInstance: "ParentInstanceConfiguration"
    clientToken: Required[str]


class UpdateInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str
    clientToken: str
    infrastructureConfigurationArn: str


class UpdateLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]
    description: str
    status: str
    executionRole: Required[str]
    resourceType: Required[str]
    policyDetails: Required[list["LifecyclePolicyDetail"]]
    resourceSelection: Required["LifecyclePolicyResourceSelection"]
    clientToken: Required[str]


class UpdateLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicyArn: str


class VulnerabilityIdAggregation(TypedDict, total=False):
    vulnerabilityId: str
    severityCounts: "SeverityCounts"


class VulnerablePackage(TypedDict, total=False):
    name: str
    version: str
    sourceLayerHash: str
    epoch: int
    release: str
    arch: str
    packageManager: str
    filePath: str
    fixedInVersion: str
    remediation: str


class WindowsConfiguration(TypedDict, total=False):
    imageIndex: Required[int]


class Workflow(TypedDict, total=False):
    arn: str
    name: str
    version: str
    description: str
    changeDescription: str
    type: str
    state: "WorkflowState"
    owner: str
    data: str
    kmsKeyId: str
    dateCreated: str
    tags: dict[str, str]
    parameters: list["WorkflowParameterDetail"]


class WorkflowConfiguration(TypedDict, total=False):
    workflowArn: Required[str]
    parameters: list["WorkflowParameter"]
    parallelGroup: str
    onFailure: str


class WorkflowExecutionMetadata(TypedDict, total=False):
    workflowBuildVersionArn: str
    workflowExecutionId: str
    type: str
    status: str
    message: str
    totalStepCount: int
    totalStepsSucceeded: int
    totalStepsFailed: int
    totalStepsSkipped: int
    startTime: str
    endTime: str
    parallelGroup: str
    retried: bool


class WorkflowParameter(TypedDict, total=False):
    name: Required[str]
    value: Required[list[str]]


class WorkflowParameterDetail(TypedDict, total=False):
    name: Required[str]
    type: Required[str]
    defaultValue: list[str]
    description: str


class WorkflowState(TypedDict, total=False):
    status: str
    reason: str


class WorkflowStepExecution(TypedDict, total=False):
    stepExecutionId: str
    imageBuildVersionArn: str
    workflowExecutionId: str
    workflowBuildVersionArn: str
    name: str
    action: str
    startTime: str


class WorkflowStepMetadata(TypedDict, total=False):
    stepExecutionId: str
    name: str
    description: str
    action: str
    status: str
    rollbackStatus: str
    message: str
    inputs: str
    outputs: str
    startTime: str
    endTime: str
    attemptNumber: int
    maxAttempts: int


class WorkflowSummary(TypedDict, total=False):
    arn: str
    name: str
    version: str
    description: str
    changeDescription: str
    type: str
    owner: str
    state: "WorkflowState"
    dateCreated: str
    tags: dict[str, str]


class WorkflowVersion(TypedDict, total=False):
    arn: str
    name: str
    version: str
    description: str
    type: str
    owner: str
    dateCreated: str
