"""Types of the imagebuilder API, generated from botocore's service model by
`python -m openimagebuilder.protocol.generate` (`make generate`). Do not edit: a unit test checks
that this file equals the generator's output.

- Errors: one class per error shape, with its code and the model's HTTP status.
- Enums: one StrEnum per enum shape. Requests carry plain strings, which compare equal to the
  members; structure members of an enum shape are typed `str` for that reason.
- Structures: one TypedDict per structure shape (requests, responses and what they contain), keys
  = model member names; the members the model requires are Required, the others may also be None,
  which the serializer leaves out as it does an absent member.
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
    accountId: str | None
    severityCounts: "SeverityCounts | None"


class AdditionalInstanceConfiguration(TypedDict, total=False):
    systemsManagerAgent: "SystemsManagerAgent | None"
    userDataOverride: str | None


class Ami(TypedDict, total=False):
    region: str | None
    image: str | None
    name: str | None
    description: str | None
    state: "ImageState | None"
    accountId: str | None


class AmiDistributionConfiguration(TypedDict, total=False):
    name: str | None
    description: str | None
    targetAccountIds: list[str] | None
    amiTags: dict[str, str] | None
    kmsKeyId: str | None
    launchPermission: "LaunchPermissionConfiguration | None"


class AutoDisablePolicy(TypedDict, total=False):
    failureCount: Required[int]


class AutoScalingGroupConfiguration(TypedDict, total=False):
    name: Required[str]
    capacityWaitTimeoutSeconds: int | None


class CancelImageCreationRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    clientToken: Required[str]


class CancelImageCreationResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imageBuildVersionArn: str | None


class CancelLifecycleExecutionRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]
    clientToken: Required[str]


class CancelLifecycleExecutionResponse(TypedDict, total=False):
    lifecycleExecutionId: str | None


class Component(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    description: str | None
    changeDescription: str | None
    type: str | None
    platform: str | None
    supportedOsVersions: list[str] | None
    state: "ComponentState | None"
    parameters: "list[ComponentParameterDetail] | None"
    owner: str | None
    data: str | None
    kmsKeyId: str | None
    encrypted: bool | None
    dateCreated: str | None
    tags: dict[str, str] | None
    publisher: str | None
    obfuscate: bool | None
    productCodes: "list[ProductCodeListItem] | None"


class ComponentConfiguration(TypedDict, total=False):
    componentArn: Required[str]
    parameters: "list[ComponentParameter] | None"


class ComponentFailureContext(TypedDict, total=False):
    componentArn: str | None
    phaseName: str | None
    stepName: str | None
    action: str | None
    errorMessage: str | None


class ComponentParameter(TypedDict, total=False):
    name: Required[str]
    value: Required[list[str]]


class ComponentParameterDetail(TypedDict, total=False):
    name: Required[str]
    type: Required[str]
    defaultValue: list[str] | None
    description: str | None


class ComponentState(TypedDict, total=False):
    status: str | None
    reason: str | None


class ComponentSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    platform: str | None
    supportedOsVersions: list[str] | None
    state: "ComponentState | None"
    type: str | None
    owner: str | None
    description: str | None
    changeDescription: str | None
    dateCreated: str | None
    tags: dict[str, str] | None
    publisher: str | None
    obfuscate: bool | None


class ComponentVersion(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    description: str | None
    platform: str | None
    supportedOsVersions: list[str] | None
    type: str | None
    owner: str | None
    dateCreated: str | None
    status: str | None
    productCodes: "list[ProductCodeListItem] | None"


class Container(TypedDict, total=False):
    region: str | None
    imageUris: list[str] | None


class ContainerDistributionConfiguration(TypedDict, total=False):
    description: str | None
    containerTags: list[str] | None
    targetRepository: Required["TargetContainerRepository"]


class ContainerRecipe(TypedDict, total=False):
    arn: str | None
    containerType: str | None
    name: str | None
    description: str | None
    platform: str | None
    owner: str | None
    version: str | None
    components: "list[ComponentConfiguration] | None"
    instanceConfiguration: "InstanceConfiguration | None"
    dockerfileTemplateData: str | None
    kmsKeyId: str | None
    encrypted: bool | None
    parentImage: str | None
    dateCreated: str | None
    tags: dict[str, str] | None
    workingDirectory: str | None
    targetRepository: "TargetContainerRepository | None"


class ContainerRecipeSummary(TypedDict, total=False):
    arn: str | None
    containerType: str | None
    name: str | None
    platform: str | None
    owner: str | None
    parentImage: str | None
    dateCreated: str | None
    instanceImage: str | None
    tags: dict[str, str] | None


class CreateComponentRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str | None
    changeDescription: str | None
    platform: Required[str]
    supportedOsVersions: list[str] | None
    data: str | None
    uri: str | None
    kmsKeyId: str | None
    tags: dict[str, str] | None
    clientToken: Required[str]
    dryRun: bool | None


class CreateComponentResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    componentBuildVersionArn: str | None
    latestVersionReferences: "LatestVersionReferences | None"


class CreateContainerRecipeRequest(TypedDict, total=False):
    containerType: Required[str]
    name: Required[str]
    description: str | None
    semanticVersion: Required[str]
    components: "list[ComponentConfiguration] | None"
    instanceConfiguration: "InstanceConfiguration | None"
    dockerfileTemplateData: str | None
    dockerfileTemplateUri: str | None
    platformOverride: str | None
    imageOsVersionOverride: str | None
    parentImage: Required[str]
    tags: dict[str, str] | None
    workingDirectory: str | None
    targetRepository: Required["TargetContainerRepository"]
    kmsKeyId: str | None
    clientToken: Required[str]
    dryRun: bool | None


class CreateContainerRecipeResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    containerRecipeArn: str | None
    latestVersionReferences: "LatestVersionReferences | None"


class CreateDistributionConfigurationRequest(TypedDict, total=False):
    name: Required[str]
    description: str | None
    distributions: Required["list[Distribution]"]
    tags: dict[str, str] | None
    clientToken: Required[str]
    dryRun: bool | None


class CreateDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    distributionConfigurationArn: str | None


class CreateImagePipelineRequest(TypedDict, total=False):
    name: Required[str]
    description: str | None
    imageRecipeArn: str | None
    containerRecipeArn: str | None
    infrastructureConfigurationArn: Required[str]
    distributionConfigurationArn: str | None
    imageTestsConfiguration: "ImageTestsConfiguration | None"
    enhancedImageMetadataEnabled: bool | None
    schedule: "Schedule | None"
    status: str | None
    tags: dict[str, str] | None
    imageTags: dict[str, str] | None
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration | None"
    workflows: "list[WorkflowConfiguration] | None"
    executionRole: str | None
    loggingConfiguration: "PipelineLoggingConfiguration | None"
    dryRun: bool | None


class CreateImagePipelineResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imagePipelineArn: str | None


class CreateImageRecipeRequest(TypedDict, total=False):
    name: Required[str]
    description: str | None
    semanticVersion: Required[str]
    components: "list[ComponentConfiguration] | None"
    parentImage: Required[str]
    blockDeviceMappings: "list[InstanceBlockDeviceMapping] | None"
    tags: dict[str, str] | None
    workingDirectory: str | None
    additionalInstanceConfiguration: "AdditionalInstanceConfiguration | None"
    amiTags: dict[str, str] | None
    amiWatermarks: list[str] | None
    clientToken: Required[str]
    dryRun: bool | None


class CreateImageRecipeResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imageRecipeArn: str | None
    latestVersionReferences: "LatestVersionReferences | None"


class CreateImageRequest(TypedDict, total=False):
    imageRecipeArn: str | None
    containerRecipeArn: str | None
    distributionConfigurationArn: str | None
    infrastructureConfigurationArn: Required[str]
    imageTestsConfiguration: "ImageTestsConfiguration | None"
    enhancedImageMetadataEnabled: bool | None
    tags: dict[str, str] | None
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration | None"
    workflows: "list[WorkflowConfiguration] | None"
    executionRole: str | None
    loggingConfiguration: "ImageLoggingConfiguration | None"


class CreateImageResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imageBuildVersionArn: str | None
    latestVersionReferences: "LatestVersionReferences | None"


class CreateInfrastructureConfigurationRequest(TypedDict, total=False):
    name: Required[str]
    description: str | None
    instanceTypes: list[str] | None
    instanceProfileName: Required[str]
    securityGroupIds: list[str] | None
    subnetId: str | None
    logging: "Logging | None"
    keyPair: str | None
    terminateInstanceOnFailure: bool | None
    terminateInstanceOnCompletion: bool | None
    snsTopicArn: str | None
    resourceTags: dict[str, str] | None
    instanceMetadataOptions: "InstanceMetadataOptions | None"
    tags: dict[str, str] | None
    placement: "Placement | None"
    parentInstance: "ParentInstanceConfiguration | None"
    clientToken: Required[str]
    dryRun: bool | None


class CreateInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    infrastructureConfigurationArn: str | None


class CreateLifecyclePolicyRequest(TypedDict, total=False):
    name: Required[str]
    description: str | None
    status: str | None
    executionRole: Required[str]
    resourceType: Required[str]
    policyDetails: Required["list[LifecyclePolicyDetail]"]
    resourceSelection: Required["LifecyclePolicyResourceSelection"]
    tags: dict[str, str] | None
    clientToken: Required[str]
    dryRun: bool | None


class CreateLifecyclePolicyResponse(TypedDict, total=False):
    clientToken: str | None
    lifecyclePolicyArn: str | None


class CreateWorkflowRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str | None
    changeDescription: str | None
    data: str | None
    uri: str | None
    kmsKeyId: str | None
    tags: dict[str, str] | None
    clientToken: Required[str]
    type: Required[str]
    dryRun: bool | None


class CreateWorkflowResponse(TypedDict, total=False):
    clientToken: str | None
    workflowBuildVersionArn: str | None
    latestVersionReferences: "LatestVersionReferences | None"


class CvssScore(TypedDict, total=False):
    baseScore: float | None
    scoringVector: str | None
    version: str | None
    source: str | None


class CvssScoreAdjustment(TypedDict, total=False):
    metric: str | None
    reason: str | None


class CvssScoreDetails(TypedDict, total=False):
    scoreSource: str | None
    cvssSource: str | None
    version: str | None
    score: float | None
    scoringVector: str | None
    adjustments: "list[CvssScoreAdjustment] | None"


class DeleteComponentRequest(TypedDict, total=False):
    componentBuildVersionArn: Required[str]


class DeleteComponentResponse(TypedDict, total=False):
    requestId: str | None
    componentBuildVersionArn: str | None


class DeleteContainerRecipeRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class DeleteContainerRecipeResponse(TypedDict, total=False):
    requestId: str | None
    containerRecipeArn: str | None


class DeleteDistributionConfigurationRequest(TypedDict, total=False):
    distributionConfigurationArn: Required[str]


class DeleteDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    distributionConfigurationArn: str | None


class DeleteImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]


class DeleteImagePipelineResponse(TypedDict, total=False):
    requestId: str | None
    imagePipelineArn: str | None


class DeleteImageRecipeRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class DeleteImageRecipeResponse(TypedDict, total=False):
    requestId: str | None
    imageRecipeArn: str | None


class DeleteImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]


class DeleteImageResponse(TypedDict, total=False):
    requestId: str | None
    imageBuildVersionArn: str | None


class DeleteInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]


class DeleteInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    infrastructureConfigurationArn: str | None


class DeleteLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]


class DeleteLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicyArn: str | None


class DeleteWorkflowRequest(TypedDict, total=False):
    workflowBuildVersionArn: Required[str]


class DeleteWorkflowResponse(TypedDict, total=False):
    workflowBuildVersionArn: str | None


class DistributeImageRequest(TypedDict, total=False):
    sourceImage: Required[str]
    distributionConfigurationArn: Required[str]
    executionRole: Required[str]
    tags: dict[str, str] | None
    clientToken: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration | None"


class DistributeImageResponse(TypedDict, total=False):
    clientToken: str | None
    imageBuildVersionArn: str | None


class Distribution(TypedDict, total=False):
    region: Required[str]
    amiDistributionConfiguration: "AmiDistributionConfiguration | None"
    containerDistributionConfiguration: "ContainerDistributionConfiguration | None"
    licenseConfigurationArns: list[str] | None
    launchTemplateConfigurations: "list[LaunchTemplateConfiguration] | None"
    s3ExportConfiguration: "S3ExportConfiguration | None"
    fastLaunchConfigurations: "list[FastLaunchConfiguration] | None"
    ssmParameterConfigurations: "list[SsmParameterConfiguration] | None"


class DistributionConfiguration(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    distributions: "list[Distribution] | None"
    timeoutMinutes: Required[int]
    dateCreated: str | None
    dateUpdated: str | None
    tags: dict[str, str] | None


class DistributionConfigurationSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    dateCreated: str | None
    dateUpdated: str | None
    tags: dict[str, str] | None
    regions: list[str] | None


class DistributionFailureContext(TypedDict, total=False):
    errorMessage: str | None
    regionFailures: "list[RegionFailure] | None"


class EbsInstanceBlockDeviceSpecification(TypedDict, total=False):
    encrypted: bool | None
    deleteOnTermination: bool | None
    iops: int | None
    kmsKeyId: str | None
    snapshotId: str | None
    volumeSize: int | None
    volumeType: str | None
    throughput: int | None


class EcrConfiguration(TypedDict, total=False):
    repositoryName: str | None
    containerTags: list[str] | None


class FastLaunchConfiguration(TypedDict, total=False):
    enabled: Required[bool]
    snapshotConfiguration: "FastLaunchSnapshotConfiguration | None"
    maxParallelLaunches: int | None
    launchTemplate: "FastLaunchLaunchTemplateSpecification | None"
    accountId: str | None


class FastLaunchLaunchTemplateSpecification(TypedDict, total=False):
    launchTemplateId: str | None
    launchTemplateName: str | None
    launchTemplateVersion: str | None


class FastLaunchSnapshotConfiguration(TypedDict, total=False):
    targetResourceCount: int | None


class Filter(TypedDict, total=False):
    name: str | None
    values: list[str] | None


class GetComponentPolicyRequest(TypedDict, total=False):
    componentArn: Required[str]


class GetComponentPolicyResponse(TypedDict, total=False):
    requestId: str | None
    policy: str | None


class GetComponentRequest(TypedDict, total=False):
    componentBuildVersionArn: Required[str]


class GetComponentResponse(TypedDict, total=False):
    requestId: str | None
    component: "Component | None"
    latestVersionReferences: "LatestVersionReferences | None"


class GetContainerRecipePolicyRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class GetContainerRecipePolicyResponse(TypedDict, total=False):
    requestId: str | None
    policy: str | None


class GetContainerRecipeRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]


class GetContainerRecipeResponse(TypedDict, total=False):
    requestId: str | None
    containerRecipe: "ContainerRecipe | None"
    latestVersionReferences: "LatestVersionReferences | None"


class GetDistributionConfigurationRequest(TypedDict, total=False):
    distributionConfigurationArn: Required[str]


class GetDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    distributionConfiguration: "DistributionConfiguration | None"


class GetImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]


class GetImagePipelineResponse(TypedDict, total=False):
    requestId: str | None
    imagePipeline: "ImagePipeline | None"


class GetImagePolicyRequest(TypedDict, total=False):
    imageArn: Required[str]


class GetImagePolicyResponse(TypedDict, total=False):
    requestId: str | None
    policy: str | None


class GetImageRecipePolicyRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class GetImageRecipePolicyResponse(TypedDict, total=False):
    requestId: str | None
    policy: str | None


class GetImageRecipeRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]


class GetImageRecipeResponse(TypedDict, total=False):
    requestId: str | None
    imageRecipe: "ImageRecipe | None"
    latestVersionReferences: "LatestVersionReferences | None"


class GetImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]


class GetImageResponse(TypedDict, total=False):
    requestId: str | None
    image: "Image | None"
    latestVersionReferences: "LatestVersionReferences | None"


class GetInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]


class GetInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    infrastructureConfiguration: "InfrastructureConfiguration | None"


class GetLifecycleExecutionRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]


class GetLifecycleExecutionResponse(TypedDict, total=False):
    lifecycleExecution: "LifecycleExecution | None"


class GetLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]


class GetLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicy: "LifecyclePolicy | None"


class GetMarketplaceResourceRequest(TypedDict, total=False):
    resourceType: Required[str]
    resourceArn: Required[str]
    resourceLocation: str | None


class GetMarketplaceResourceResponse(TypedDict, total=False):
    resourceArn: str | None
    url: str | None
    data: str | None


class GetWorkflowExecutionRequest(TypedDict, total=False):
    workflowExecutionId: Required[str]


class GetWorkflowExecutionResponse(TypedDict, total=False):
    requestId: str | None
    workflowBuildVersionArn: str | None
    workflowExecutionId: str | None
    imageBuildVersionArn: str | None
    type: str | None
    status: str | None
    message: str | None
    totalStepCount: int | None
    totalStepsSucceeded: int | None
    totalStepsFailed: int | None
    totalStepsSkipped: int | None
    startTime: str | None
    endTime: str | None
    parallelGroup: str | None


class GetWorkflowRequest(TypedDict, total=False):
    workflowBuildVersionArn: Required[str]


class GetWorkflowResponse(TypedDict, total=False):
    workflow: "Workflow | None"
    latestVersionReferences: "LatestVersionReferences | None"


class GetWorkflowStepExecutionRequest(TypedDict, total=False):
    stepExecutionId: Required[str]


class GetWorkflowStepExecutionResponse(TypedDict, total=False):
    requestId: str | None
    stepExecutionId: str | None
    workflowBuildVersionArn: str | None
    workflowExecutionId: str | None
    imageBuildVersionArn: str | None
    name: str | None
    description: str | None
    action: str | None
    status: str | None
    rollbackStatus: str | None
    message: str | None
    inputs: str | None
    outputs: str | None
    startTime: str | None
    endTime: str | None
    onFailure: str | None
    timeoutSeconds: int | None
    attemptNumber: int | None
    maxAttempts: int | None


class Image(TypedDict, total=False):
    arn: str | None
    type: str | None
    name: str | None
    version: str | None
    platform: str | None
    enhancedImageMetadataEnabled: bool | None
    osVersion: str | None
    state: "ImageState | None"
    imageRecipe: "ImageRecipe | None"
    containerRecipe: "ContainerRecipe | None"
    sourcePipelineName: str | None
    sourcePipelineArn: str | None
    infrastructureConfiguration: "InfrastructureConfiguration | None"
    distributionConfiguration: "DistributionConfiguration | None"
    imageTestsConfiguration: "ImageTestsConfiguration | None"
    dateCreated: str | None
    outputResources: "OutputResources | None"
    tags: dict[str, str] | None
    buildType: str | None
    imageSource: str | None
    scanState: "ImageScanState | None"
    imageScanningConfiguration: "ImageScanningConfiguration | None"
    deprecationTime: Timestamp | None
    lifecycleExecutionId: str | None
    executionRole: str | None
    workflows: "list[WorkflowConfiguration] | None"
    loggingConfiguration: "ImageLoggingConfiguration | None"


class ImageAggregation(TypedDict, total=False):
    imageBuildVersionArn: str | None
    severityCounts: "SeverityCounts | None"


class ImageFailureContext(TypedDict, total=False):
    imageStatus: str | None
    workflowExecutionId: str | None
    workflowArn: str | None
    stepExecutionId: str | None
    failedStep: str | None
    componentFailure: "ComponentFailureContext | None"
    distributionFailure: "DistributionFailureContext | None"


class ImageLoggingConfiguration(TypedDict, total=False):
    logGroupName: str | None


class ImagePackage(TypedDict, total=False):
    packageName: str | None
    packageVersion: str | None


class ImagePipeline(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    platform: str | None
    enhancedImageMetadataEnabled: bool | None
    imageRecipeArn: str | None
    containerRecipeArn: str | None
    infrastructureConfigurationArn: str | None
    distributionConfigurationArn: str | None
    imageTestsConfiguration: "ImageTestsConfiguration | None"
    schedule: "Schedule | None"
    status: str | None
    dateCreated: str | None
    dateUpdated: str | None
    dateLastRun: str | None
    lastRunStatus: str | None
    dateNextRun: str | None
    tags: dict[str, str] | None
    imageScanningConfiguration: "ImageScanningConfiguration | None"
    imageTags: dict[str, str] | None
    executionRole: str | None
    workflows: "list[WorkflowConfiguration] | None"
    loggingConfiguration: "PipelineLoggingConfiguration | None"
    consecutiveFailures: int | None


class ImagePipelineAggregation(TypedDict, total=False):
    imagePipelineArn: str | None
    severityCounts: "SeverityCounts | None"


class ImageRecipe(TypedDict, total=False):
    arn: str | None
    type: str | None
    name: str | None
    description: str | None
    platform: str | None
    owner: str | None
    version: str | None
    components: "list[ComponentConfiguration] | None"
    parentImage: str | None
    blockDeviceMappings: "list[InstanceBlockDeviceMapping] | None"
    dateCreated: str | None
    tags: dict[str, str] | None
    workingDirectory: str | None
    additionalInstanceConfiguration: "AdditionalInstanceConfiguration | None"
    amiTags: dict[str, str] | None
    amiWatermarks: list[str] | None


class ImageRecipeSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    platform: str | None
    owner: str | None
    parentImage: str | None
    dateCreated: str | None
    tags: dict[str, str] | None


class ImageScanFinding(TypedDict, total=False):
    awsAccountId: str | None
    imageBuildVersionArn: str | None
    imagePipelineArn: str | None
    type: str | None
    description: str | None
    title: str | None
    remediation: "Remediation | None"
    severity: str | None
    firstObservedAt: Timestamp | None
    updatedAt: Timestamp | None
    inspectorScore: float | None
    inspectorScoreDetails: "InspectorScoreDetails | None"
    packageVulnerabilityDetails: "PackageVulnerabilityDetails | None"
    fixAvailable: str | None


class ImageScanFindingAggregation(TypedDict, total=False):
    accountAggregation: "AccountAggregation | None"
    imageAggregation: "ImageAggregation | None"
    imagePipelineAggregation: "ImagePipelineAggregation | None"
    vulnerabilityIdAggregation: "VulnerabilityIdAggregation | None"


class ImageScanFindingsFilter(TypedDict, total=False):
    name: str | None
    values: list[str] | None


class ImageScanState(TypedDict, total=False):
    status: str | None
    reason: str | None


class ImageScanningConfiguration(TypedDict, total=False):
    imageScanningEnabled: bool | None
    ecrConfiguration: "EcrConfiguration | None"
    imageScanningTypes: list[str] | None
    scanResultCondition: "ScanResultCondition | None"


class ImageState(TypedDict, total=False):
    status: str | None
    reason: str | None
    failureContext: "ImageFailureContext | None"


class ImageSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    type: str | None
    version: str | None
    platform: str | None
    osVersion: str | None
    state: "ImageState | None"
    owner: str | None
    dateCreated: str | None
    outputResources: "OutputResources | None"
    tags: dict[str, str] | None
    buildType: str | None
    imageSource: str | None
    deprecationTime: Timestamp | None
    lifecycleExecutionId: str | None
    loggingConfiguration: "ImageLoggingConfiguration | None"


class ImageTestsConfiguration(TypedDict, total=False):
    imageTestsEnabled: bool | None
    timeoutMinutes: int | None


class ImageVersion(TypedDict, total=False):
    arn: str | None
    name: str | None
    type: str | None
    version: str | None
    platform: str | None
    osVersion: str | None
    owner: str | None
    dateCreated: str | None
    buildType: str | None
    imageSource: str | None


class ImportComponentRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str | None
    changeDescription: str | None
    type: Required[str]
    format: Required[str]
    platform: Required[str]
    data: str | None
    uri: str | None
    kmsKeyId: str | None
    tags: dict[str, str] | None
    clientToken: Required[str]


class ImportComponentResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    componentBuildVersionArn: str | None


class ImportDiskImageRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str | None
    platform: Required[str]
    osVersion: Required[str]
    executionRole: str | None
    infrastructureConfigurationArn: Required[str]
    uri: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration | None"
    tags: dict[str, str] | None
    registerImageOptions: "RegisterImageOptions | None"
    windowsConfiguration: "WindowsConfiguration | None"
    clientToken: Required[str]


class ImportDiskImageResponse(TypedDict, total=False):
    clientToken: str | None
    imageBuildVersionArn: str | None


class ImportVmImageRequest(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]
    description: str | None
    platform: Required[str]
    osVersion: str | None
    vmImportTaskId: Required[str]
    loggingConfiguration: "ImageLoggingConfiguration | None"
    tags: dict[str, str] | None
    clientToken: Required[str]


class ImportVmImageResponse(TypedDict, total=False):
    requestId: str | None
    imageArn: str | None
    clientToken: str | None


class InfrastructureConfiguration(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    instanceTypes: list[str] | None
    instanceProfileName: str | None
    securityGroupIds: list[str] | None
    subnetId: str | None
    logging: "Logging | None"
    keyPair: str | None
    terminateInstanceOnFailure: bool | None
    snsTopicArn: str | None
    dateCreated: str | None
    dateUpdated: str | None
    resourceTags: dict[str, str] | None
    instanceMetadataOptions: "InstanceMetadataOptions | None"
    tags: dict[str, str] | None
    placement: "Placement | None"
    terminateInstanceOnCompletion: bool | None
    parentInstance: "ParentInstanceConfiguration | None"


class InfrastructureConfigurationSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    dateCreated: str | None
    dateUpdated: str | None
    resourceTags: dict[str, str] | None
    tags: dict[str, str] | None
    instanceTypes: list[str] | None
    instanceProfileName: str | None
    placement: "Placement | None"


class InspectorScoreDetails(TypedDict, total=False):
    adjustedCvss: "CvssScoreDetails | None"


class InstanceBlockDeviceMapping(TypedDict, total=False):
    deviceName: str | None
    ebs: "EbsInstanceBlockDeviceSpecification | None"
    virtualName: str | None
    noDevice: str | None


class InstanceConfiguration(TypedDict, total=False):
    image: str | None
    blockDeviceMappings: "list[InstanceBlockDeviceMapping] | None"


class InstanceMetadataOptions(TypedDict, total=False):
    httpTokens: str | None
    httpPutResponseHopLimit: int | None


class LatestVersionReferences(TypedDict, total=False):
    latestVersionArn: str | None
    latestMajorVersionArn: str | None
    latestMinorVersionArn: str | None
    latestPatchVersionArn: str | None


class LaunchPermissionConfiguration(TypedDict, total=False):
    userIds: list[str] | None
    userGroups: list[str] | None
    organizationArns: list[str] | None
    organizationalUnitArns: list[str] | None


class LaunchTemplateConfiguration(TypedDict, total=False):
    launchTemplateId: Required[str]
    accountId: str | None
    setDefaultVersion: bool | None


class LifecycleExecution(TypedDict, total=False):
    lifecycleExecutionId: str | None
    lifecyclePolicyArn: str | None
    resourcesImpactedSummary: "LifecycleExecutionResourcesImpactedSummary | None"
    state: "LifecycleExecutionState | None"
    startTime: Timestamp | None
    endTime: Timestamp | None


class LifecycleExecutionResource(TypedDict, total=False):
    accountId: str | None
    resourceId: str | None
    state: "LifecycleExecutionResourceState | None"
    action: "LifecycleExecutionResourceAction | None"
    region: str | None
    snapshots: "list[LifecycleExecutionSnapshotResource] | None"
    imageUris: list[str] | None
    startTime: Timestamp | None
    endTime: Timestamp | None


class LifecycleExecutionResourceAction(TypedDict, total=False):
    name: str | None
    reason: str | None


class LifecycleExecutionResourceState(TypedDict, total=False):
    status: str | None
    reason: str | None


class LifecycleExecutionResourcesImpactedSummary(TypedDict, total=False):
    hasImpactedResources: bool | None


class LifecycleExecutionSnapshotResource(TypedDict, total=False):
    snapshotId: str | None
    state: "LifecycleExecutionResourceState | None"


class LifecycleExecutionState(TypedDict, total=False):
    status: str | None
    reason: str | None


class LifecyclePolicy(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    status: str | None
    executionRole: str | None
    resourceType: str | None
    policyDetails: "list[LifecyclePolicyDetail] | None"
    resourceSelection: "LifecyclePolicyResourceSelection | None"
    dateCreated: Timestamp | None
    dateUpdated: Timestamp | None
    dateLastRun: Timestamp | None
    tags: dict[str, str] | None


class LifecyclePolicyDetail(TypedDict, total=False):
    action: Required["LifecyclePolicyDetailAction"]
    filter: Required["LifecyclePolicyDetailFilter"]
    exclusionRules: "LifecyclePolicyDetailExclusionRules | None"


class LifecyclePolicyDetailAction(TypedDict, total=False):
    type: Required[str]
    includeResources: "LifecyclePolicyDetailActionIncludeResources | None"


class LifecyclePolicyDetailActionIncludeResources(TypedDict, total=False):
    amis: bool | None
    snapshots: bool | None
    containers: bool | None


class LifecyclePolicyDetailExclusionRules(TypedDict, total=False):
    tagMap: dict[str, str] | None
    amis: "LifecyclePolicyDetailExclusionRulesAmis | None"


class LifecyclePolicyDetailExclusionRulesAmis(TypedDict, total=False):
    isPublic: bool | None
    regions: list[str] | None
    sharedAccounts: list[str] | None
    lastLaunched: "LifecyclePolicyDetailExclusionRulesAmisLastLaunched | None"
    tagMap: dict[str, str] | None


class LifecyclePolicyDetailExclusionRulesAmisLastLaunched(TypedDict, total=False):
    value: Required[int]
    unit: Required[str]


class LifecyclePolicyDetailFilter(TypedDict, total=False):
    type: Required[str]
    value: Required[int]
    unit: str | None
    retainAtLeast: int | None


class LifecyclePolicyResourceSelection(TypedDict, total=False):
    recipes: "list[LifecyclePolicyResourceSelectionRecipe] | None"
    tagMap: dict[str, str] | None


class LifecyclePolicyResourceSelectionRecipe(TypedDict, total=False):
    name: Required[str]
    semanticVersion: Required[str]


class LifecyclePolicySummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    description: str | None
    status: str | None
    executionRole: str | None
    resourceType: str | None
    dateCreated: Timestamp | None
    dateUpdated: Timestamp | None
    dateLastRun: Timestamp | None
    tags: dict[str, str] | None


class ListComponentBuildVersionsRequest(TypedDict, total=False):
    componentVersionArn: str | None
    maxResults: int | None
    nextToken: str | None


class ListComponentBuildVersionsResponse(TypedDict, total=False):
    requestId: str | None
    componentSummaryList: "list[ComponentSummary] | None"
    nextToken: str | None


class ListComponentsRequest(TypedDict, total=False):
    owner: str | None
    filters: "list[Filter] | None"
    byName: bool | None
    maxResults: int | None
    nextToken: str | None


class ListComponentsResponse(TypedDict, total=False):
    requestId: str | None
    componentVersionList: "list[ComponentVersion] | None"
    nextToken: str | None


class ListContainerRecipesRequest(TypedDict, total=False):
    owner: str | None
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListContainerRecipesResponse(TypedDict, total=False):
    requestId: str | None
    containerRecipeSummaryList: "list[ContainerRecipeSummary] | None"
    nextToken: str | None


class ListDistributionConfigurationsRequest(TypedDict, total=False):
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListDistributionConfigurationsResponse(TypedDict, total=False):
    requestId: str | None
    distributionConfigurationSummaryList: "list[DistributionConfigurationSummary] | None"
    nextToken: str | None


class ListImageBuildVersionsRequest(TypedDict, total=False):
    imageVersionArn: str | None
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListImageBuildVersionsResponse(TypedDict, total=False):
    requestId: str | None
    imageSummaryList: "list[ImageSummary] | None"
    nextToken: str | None


class ListImagePackagesRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    maxResults: int | None
    nextToken: str | None


class ListImagePackagesResponse(TypedDict, total=False):
    requestId: str | None
    imagePackageList: "list[ImagePackage] | None"
    nextToken: str | None


class ListImagePipelineImagesRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListImagePipelineImagesResponse(TypedDict, total=False):
    requestId: str | None
    imageSummaryList: "list[ImageSummary] | None"
    nextToken: str | None


class ListImagePipelinesRequest(TypedDict, total=False):
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListImagePipelinesResponse(TypedDict, total=False):
    requestId: str | None
    imagePipelineList: "list[ImagePipeline] | None"
    nextToken: str | None


class ListImageRecipesRequest(TypedDict, total=False):
    owner: str | None
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListImageRecipesResponse(TypedDict, total=False):
    requestId: str | None
    imageRecipeSummaryList: "list[ImageRecipeSummary] | None"
    nextToken: str | None


class ListImageScanFindingAggregationsRequest(TypedDict, total=False):
    filter: "Filter | None"
    nextToken: str | None


class ListImageScanFindingAggregationsResponse(TypedDict, total=False):
    requestId: str | None
    aggregationType: str | None
    responses: "list[ImageScanFindingAggregation] | None"
    nextToken: str | None


class ListImageScanFindingsRequest(TypedDict, total=False):
    filters: "list[ImageScanFindingsFilter] | None"
    maxResults: int | None
    nextToken: str | None


class ListImageScanFindingsResponse(TypedDict, total=False):
    requestId: str | None
    findings: "list[ImageScanFinding] | None"
    nextToken: str | None


class ListImagesRequest(TypedDict, total=False):
    owner: str | None
    filters: "list[Filter] | None"
    byName: bool | None
    maxResults: int | None
    nextToken: str | None
    includeDeprecated: bool | None


class ListImagesResponse(TypedDict, total=False):
    requestId: str | None
    imageVersionList: "list[ImageVersion] | None"
    nextToken: str | None


class ListInfrastructureConfigurationsRequest(TypedDict, total=False):
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListInfrastructureConfigurationsResponse(TypedDict, total=False):
    requestId: str | None
    infrastructureConfigurationSummaryList: "list[InfrastructureConfigurationSummary] | None"
    nextToken: str | None


class ListLifecycleExecutionResourcesRequest(TypedDict, total=False):
    lifecycleExecutionId: Required[str]
    parentResourceId: str | None
    maxResults: int | None
    nextToken: str | None


class ListLifecycleExecutionResourcesResponse(TypedDict, total=False):
    lifecycleExecutionId: str | None
    lifecycleExecutionState: "LifecycleExecutionState | None"
    resources: "list[LifecycleExecutionResource] | None"
    nextToken: str | None


class ListLifecycleExecutionsRequest(TypedDict, total=False):
    maxResults: int | None
    nextToken: str | None
    resourceArn: Required[str]


class ListLifecycleExecutionsResponse(TypedDict, total=False):
    lifecycleExecutions: "list[LifecycleExecution] | None"
    nextToken: str | None


class ListLifecyclePoliciesRequest(TypedDict, total=False):
    filters: "list[Filter] | None"
    maxResults: int | None
    nextToken: str | None


class ListLifecyclePoliciesResponse(TypedDict, total=False):
    lifecyclePolicySummaryList: "list[LifecyclePolicySummary] | None"
    nextToken: str | None


class ListTagsForResourceRequest(TypedDict, total=False):
    resourceArn: Required[str]


class ListTagsForResourceResponse(TypedDict, total=False):
    tags: dict[str, str] | None


class ListWaitingWorkflowStepsRequest(TypedDict, total=False):
    maxResults: int | None
    nextToken: str | None


class ListWaitingWorkflowStepsResponse(TypedDict, total=False):
    steps: "list[WorkflowStepExecution] | None"
    nextToken: str | None


class ListWorkflowBuildVersionsRequest(TypedDict, total=False):
    workflowVersionArn: str | None
    maxResults: int | None
    nextToken: str | None


class ListWorkflowBuildVersionsResponse(TypedDict, total=False):
    workflowSummaryList: "list[WorkflowSummary] | None"
    nextToken: str | None


class ListWorkflowExecutionsRequest(TypedDict, total=False):
    maxResults: int | None
    nextToken: str | None
    imageBuildVersionArn: Required[str]


class ListWorkflowExecutionsResponse(TypedDict, total=False):
    requestId: str | None
    workflowExecutions: "list[WorkflowExecutionMetadata] | None"
    imageBuildVersionArn: str | None
    message: str | None
    nextToken: str | None


class ListWorkflowStepExecutionsRequest(TypedDict, total=False):
    maxResults: int | None
    nextToken: str | None
    workflowExecutionId: Required[str]


class ListWorkflowStepExecutionsResponse(TypedDict, total=False):
    requestId: str | None
    steps: "list[WorkflowStepMetadata] | None"
    workflowBuildVersionArn: str | None
    workflowExecutionId: str | None
    imageBuildVersionArn: str | None
    message: str | None
    nextToken: str | None


class ListWorkflowsRequest(TypedDict, total=False):
    owner: str | None
    filters: "list[Filter] | None"
    byName: bool | None
    maxResults: int | None
    nextToken: str | None


class ListWorkflowsResponse(TypedDict, total=False):
    workflowVersionList: "list[WorkflowVersion] | None"
    nextToken: str | None


class Logging(TypedDict, total=False):
    s3Logs: "S3Logs | None"


class OutputResources(TypedDict, total=False):
    amis: "list[Ami] | None"
    containers: "list[Container] | None"


class PackageVulnerabilityDetails(TypedDict, total=False):
    vulnerabilityId: Required[str]
    vulnerablePackages: "list[VulnerablePackage] | None"
    source: str | None
    cvss: "list[CvssScore] | None"
    relatedVulnerabilities: list[str] | None
    sourceUrl: str | None
    vendorSeverity: str | None
    vendorCreatedAt: Timestamp | None
    vendorUpdatedAt: Timestamp | None
    referenceUrls: list[str] | None


class ParentInstanceConfiguration(TypedDict, total=False):
    autoScalingGroup: Required["AutoScalingGroupConfiguration"]


class PipelineLoggingConfiguration(TypedDict, total=False):
    imageLogGroupName: str | None
    pipelineLogGroupName: str | None


class Placement(TypedDict, total=False):
    availabilityZone: str | None
    tenancy: str | None
    hostId: str | None
    hostResourceGroupArn: str | None


class ProductCodeListItem(TypedDict, total=False):
    productCodeId: Required[str]
    productCodeType: Required[str]


class PutComponentPolicyRequest(TypedDict, total=False):
    componentArn: Required[str]
    policy: Required[str]


class PutComponentPolicyResponse(TypedDict, total=False):
    requestId: str | None
    componentArn: str | None


class PutContainerRecipePolicyRequest(TypedDict, total=False):
    containerRecipeArn: Required[str]
    policy: Required[str]


class PutContainerRecipePolicyResponse(TypedDict, total=False):
    requestId: str | None
    containerRecipeArn: str | None


class PutImagePolicyRequest(TypedDict, total=False):
    imageArn: Required[str]
    policy: Required[str]


class PutImagePolicyResponse(TypedDict, total=False):
    requestId: str | None
    imageArn: str | None


class PutImageRecipePolicyRequest(TypedDict, total=False):
    imageRecipeArn: Required[str]
    policy: Required[str]


class PutImageRecipePolicyResponse(TypedDict, total=False):
    requestId: str | None
    imageRecipeArn: str | None


class RegionFailure(TypedDict, total=False):
    region: str | None
    status: str | None
    imageConfigurationStep: str | None
    errorMessage: str | None
    targetAccountId: str | None


class RegisterImageOptions(TypedDict, total=False):
    secureBootEnabled: bool | None
    uefiData: str | None


class Remediation(TypedDict, total=False):
    recommendation: "RemediationRecommendation | None"


class RemediationRecommendation(TypedDict, total=False):
    text: str | None
    url: str | None


class ResourceState(TypedDict, total=False):
    status: str | None


class ResourceStateUpdateExclusionRules(TypedDict, total=False):
    amis: "LifecyclePolicyDetailExclusionRulesAmis | None"


class ResourceStateUpdateIncludeResources(TypedDict, total=False):
    amis: bool | None
    snapshots: bool | None
    containers: bool | None


class RetryImageRequest(TypedDict, total=False):
    imageBuildVersionArn: Required[str]
    clientToken: Required[str]


class RetryImageResponse(TypedDict, total=False):
    clientToken: str | None
    imageBuildVersionArn: str | None


class S3ExportConfiguration(TypedDict, total=False):
    roleName: Required[str]
    diskImageFormat: Required[str]
    s3Bucket: Required[str]
    s3Prefix: str | None


class S3Logs(TypedDict, total=False):
    s3BucketName: str | None
    s3KeyPrefix: str | None


class ScanResultCondition(TypedDict, total=False):
    maximumSeverityLabel: Required[str]
    fixAvailable: bool | None


class Schedule(TypedDict, total=False):
    scheduleExpression: str | None
    timezone: str | None
    pipelineExecutionStartCondition: str | None
    autoDisablePolicy: "AutoDisablePolicy | None"


class SendWorkflowStepActionRequest(TypedDict, total=False):
    stepExecutionId: Required[str]
    imageBuildVersionArn: Required[str]
    action: Required[str]
    reason: str | None
    clientToken: Required[str]


class SendWorkflowStepActionResponse(TypedDict, total=False):
    stepExecutionId: str | None
    imageBuildVersionArn: str | None
    clientToken: str | None


class SeverityCounts(TypedDict, total=False):
    all: int | None
    critical: int | None
    high: int | None
    medium: int | None


class SsmParameterConfiguration(TypedDict, total=False):
    amiAccountId: str | None
    parameterName: Required[str]
    dataType: str | None


class StartImagePipelineExecutionRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    clientToken: Required[str]
    tags: dict[str, str] | None


class StartImagePipelineExecutionResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imageBuildVersionArn: str | None


class StartResourceStateUpdateRequest(TypedDict, total=False):
    resourceArn: Required[str]
    state: Required["ResourceState"]
    executionRole: str | None
    includeResources: "ResourceStateUpdateIncludeResources | None"
    exclusionRules: "ResourceStateUpdateExclusionRules | None"
    updateAt: Timestamp | None
    clientToken: Required[str]


class StartResourceStateUpdateResponse(TypedDict, total=False):
    lifecycleExecutionId: str | None
    resourceArn: str | None


class SystemsManagerAgent(TypedDict, total=False):
    uninstallAfterBuild: bool | None


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
    description: str | None
    distributions: Required["list[Distribution]"]
    clientToken: Required[str]


class UpdateDistributionConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    distributionConfigurationArn: str | None


class UpdateImagePipelineRequest(TypedDict, total=False):
    imagePipelineArn: Required[str]
    description: str | None
    imageRecipeArn: str | None
    containerRecipeArn: str | None
    infrastructureConfigurationArn: Required[str]
    distributionConfigurationArn: str | None
    imageTestsConfiguration: "ImageTestsConfiguration | None"
    enhancedImageMetadataEnabled: bool | None
    schedule: "Schedule | None"
    status: str | None
    clientToken: Required[str]
    imageScanningConfiguration: "ImageScanningConfiguration | None"
    workflows: "list[WorkflowConfiguration] | None"
    loggingConfiguration: "PipelineLoggingConfiguration | None"
    executionRole: str | None
    imageTags: dict[str, str] | None


class UpdateImagePipelineResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    imagePipelineArn: str | None


class UpdateInfrastructureConfigurationRequest(TypedDict, total=False):
    infrastructureConfigurationArn: Required[str]
    description: str | None
    instanceTypes: list[str] | None
    instanceProfileName: Required[str]
    securityGroupIds: list[str] | None
    subnetId: str | None
    logging: "Logging | None"
    keyPair: str | None
    terminateInstanceOnFailure: bool | None
    terminateInstanceOnCompletion: bool | None
    snsTopicArn: str | None
    resourceTags: dict[str, str] | None
    instanceMetadataOptions: "InstanceMetadataOptions | None"
    placement: "Placement | None"
    parentInstance: "ParentInstanceConfiguration | None"
    clientToken: Required[str]


class UpdateInfrastructureConfigurationResponse(TypedDict, total=False):
    requestId: str | None
    clientToken: str | None
    infrastructureConfigurationArn: str | None


class UpdateLifecyclePolicyRequest(TypedDict, total=False):
    lifecyclePolicyArn: Required[str]
    description: str | None
    status: str | None
    executionRole: Required[str]
    resourceType: Required[str]
    policyDetails: Required["list[LifecyclePolicyDetail]"]
    resourceSelection: Required["LifecyclePolicyResourceSelection"]
    clientToken: Required[str]


class UpdateLifecyclePolicyResponse(TypedDict, total=False):
    lifecyclePolicyArn: str | None


class VulnerabilityIdAggregation(TypedDict, total=False):
    vulnerabilityId: str | None
    severityCounts: "SeverityCounts | None"


class VulnerablePackage(TypedDict, total=False):
    name: str | None
    version: str | None
    sourceLayerHash: str | None
    epoch: int | None
    release: str | None
    arch: str | None
    packageManager: str | None
    filePath: str | None
    fixedInVersion: str | None
    remediation: str | None


class WindowsConfiguration(TypedDict, total=False):
    imageIndex: Required[int]


class Workflow(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    description: str | None
    changeDescription: str | None
    type: str | None
    state: "WorkflowState | None"
    owner: str | None
    data: str | None
    kmsKeyId: str | None
    dateCreated: str | None
    tags: dict[str, str] | None
    parameters: "list[WorkflowParameterDetail] | None"


class WorkflowConfiguration(TypedDict, total=False):
    workflowArn: Required[str]
    parameters: "list[WorkflowParameter] | None"
    parallelGroup: str | None
    onFailure: str | None


class WorkflowExecutionMetadata(TypedDict, total=False):
    workflowBuildVersionArn: str | None
    workflowExecutionId: str | None
    type: str | None
    status: str | None
    message: str | None
    totalStepCount: int | None
    totalStepsSucceeded: int | None
    totalStepsFailed: int | None
    totalStepsSkipped: int | None
    startTime: str | None
    endTime: str | None
    parallelGroup: str | None
    retried: bool | None


class WorkflowParameter(TypedDict, total=False):
    name: Required[str]
    value: Required[list[str]]


class WorkflowParameterDetail(TypedDict, total=False):
    name: Required[str]
    type: Required[str]
    defaultValue: list[str] | None
    description: str | None


class WorkflowState(TypedDict, total=False):
    status: str | None
    reason: str | None


class WorkflowStepExecution(TypedDict, total=False):
    stepExecutionId: str | None
    imageBuildVersionArn: str | None
    workflowExecutionId: str | None
    workflowBuildVersionArn: str | None
    name: str | None
    action: str | None
    startTime: str | None


class WorkflowStepMetadata(TypedDict, total=False):
    stepExecutionId: str | None
    name: str | None
    description: str | None
    action: str | None
    status: str | None
    rollbackStatus: str | None
    message: str | None
    inputs: str | None
    outputs: str | None
    startTime: str | None
    endTime: str | None
    attemptNumber: int | None
    maxAttempts: int | None


class WorkflowSummary(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    description: str | None
    changeDescription: str | None
    type: str | None
    owner: str | None
    state: "WorkflowState | None"
    dateCreated: str | None
    tags: dict[str, str] | None


class WorkflowVersion(TypedDict, total=False):
    arn: str | None
    name: str | None
    version: str | None
    description: str | None
    type: str | None
    owner: str | None
    dateCreated: str | None
