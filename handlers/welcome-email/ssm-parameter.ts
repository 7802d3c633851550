/** One decrypted SSM parameter read; its own module so that the bundle loads the SSM client only when it is needed. */
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";

let client: SSMClient | undefined;

export async function getParameter(name: string): Promise<string | undefined> {
  client ??= new SSMClient({});
  const { Parameter } = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
  return Parameter?.Value;
}
