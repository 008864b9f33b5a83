// Calls an oib service with the AWS SDK for JavaScript v3, unmodified: the endpoint, region and
// credentials come from the arguments; prints one JSON line of what each call answered.
//   node imagebuilder_calls.mjs <endpoint> <region> <accessKeyId> <secretAccessKey>
import { ImagebuilderClient, CreateInfrastructureConfigurationCommand, ListComponentsCommand } from "@aws-sdk/client-imagebuilder";

const [endpoint, region, accessKeyId, secretAccessKey] = process.argv.slice(2);
const client = new ImagebuilderClient({ endpoint, region, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
const results = {};
for (const [name, command] of [
  ["ListComponents", new ListComponentsCommand({ owner: "Self" })],
  ["CreateInfrastructureConfiguration", new CreateInfrastructureConfigurationCommand({
    name: `js-${Date.now()}`, instanceProfileName: "builder" })],
]) {
  try {
    const reply = await client.send(command);
    results[name] = { status: reply.$metadata.httpStatusCode, arn: reply.infrastructureConfigurationArn };
  } catch (error) {
    results[name] = { status: error.$metadata?.httpStatusCode, code: error.name, message: error.message };
  }
}
console.log(JSON.stringify(results));
