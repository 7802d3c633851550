/**
 * A stand-in for CodeDeploy's API (JSON 1.1 over HTTP, as the SDK speaks it): CreateDeployment, GetDeployment and
 * StopDeployment, and for the one Lambda call a release makes (GetAlias, REST JSON): a deployment that succeeds
 * moves the alias to its target version, as CodeDeploy does. Each deployment follows a script — succeed after a few reads, fail with an alarm and roll
 * back, fail because its BeforeAllowTraffic hook reported Failed (and roll back), or stay in progress until stopped. moto stores deployments but never runs one, so the release step is
 * tested against this instead; the SDK client, its serialisation and the pipeline code are the real ones.
 */
import { createServer, type Server } from "http";
import type { AddressInfo } from "net";

export type Script = "succeeds" | "alarm-rollback" | "hook-failed" | "never-finishes";

export interface Recorded {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

interface Deployment {
  readonly id: string;
  readonly script: Script;
  readonly input: Record<string, unknown>;
  reads: number;
  stopped: boolean;
}

export class FakeCodeDeploy {
  readonly calls: Recorded[] = [];
  private readonly deployments = new Map<string, Deployment>();
  private server?: Server;
  /** The script of each deployment group; "succeeds" when not named. */
  scripts: Record<string, Script> = {};
  /** The version each function's `live` alias serves (function name → version). */
  aliases: Record<string, string> = {};

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        const answer = (status: number, json: unknown) => {
          response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
          response.end(JSON.stringify(json));
        };
        const alias = /^\/2015-03-31\/functions\/([^/]+)\/aliases\/([^/?]+)/.exec(request.url ?? "");
        if (request.method === "GET" && alias) {
          const [name, aliasName] = [decodeURIComponent(alias[1]), decodeURIComponent(alias[2])];
          this.calls.push({ target: "GetAlias", body: { FunctionName: name, Name: aliasName } });
          const version = this.aliases[name];
          if (version === undefined) {
            response.writeHead(404, { "x-amzn-errortype": "ResourceNotFoundException" });
            return response.end(JSON.stringify({ message: `Function not found: ${name}:${aliasName}` }));
          }
          return answer(200, {
            Name: aliasName,
            FunctionVersion: version,
            AliasArn: `arn:aws:lambda:::${name}`,
          });
        }
        const target = String(request.headers["x-amz-target"] ?? "").replace("CodeDeploy_20141006.", "");
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, unknown>;
        this.calls.push({ target, body });
        const deployment = this.deployments.get(String(body.deploymentId));
        switch (target) {
          case "CreateDeployment": {
            const id = `d-FAKE${this.deployments.size + 1}`;
            const script = this.scripts[String(body.deploymentGroupName)] ?? "succeeds";
            this.deployments.set(id, { id, script, input: body, reads: 0, stopped: false });
            return answer(200, { deploymentId: id });
          }
          case "GetDeployment":
            if (!deployment)
              return answer(400, {
                __type: "DeploymentDoesNotExistException",
                message: "no such deployment",
              });
            deployment.reads += 1;
            return answer(200, { deploymentInfo: this.info(deployment) });
          case "StopDeployment":
            if (!deployment)
              return answer(400, {
                __type: "DeploymentDoesNotExistException",
                message: "no such deployment",
              });
            deployment.stopped = true;
            return answer(200, { status: "Pending", statusMessage: "stopping" });
          default:
            return answer(400, { __type: "UnknownOperationException", message: target });
        }
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private info(d: Deployment): Record<string, unknown> {
    const base = {
      deploymentId: d.id,
      applicationName: d.input.applicationName,
      deploymentGroupName: d.input.deploymentGroupName,
      deploymentConfigName: "CodeDeployDefault.LambdaCanary10Percent5Minutes",
    };
    if (d.stopped)
      return { ...base, status: "Stopped", rollbackInfo: { rollbackMessage: "Stopped by the user" } };
    if (d.reads < 3)
      return { ...base, status: "InProgress", deploymentStatusMessages: [`traffic ${d.reads * 10}%`] };
    switch (d.script) {
      case "succeeds":
        this.shift(d);
        return { ...base, status: "Succeeded" };
      case "alarm-rollback":
        return {
          ...base,
          status: "Failed",
          errorInformation: {
            code: "ALARM_ACTIVE",
            message: "One or more alarms have been activated: fx-api-errors",
          },
          rollbackInfo: {
            rollbackDeploymentId: "d-ROLLBACK1",
            rollbackMessage: "Rolled back to the version the alias served before",
          },
        };
      case "hook-failed":
        return {
          ...base,
          status: "Failed",
          errorInformation: {
            code: "HOOK_EXECUTION_FAILURE",
            message:
              "The deployment failed because the BeforeAllowTraffic hook reported Failed (see the hook's logs)",
          },
          rollbackInfo: {
            rollbackDeploymentId: "d-ROLLBACK1",
            rollbackMessage: "Rolled back to the version the alias served before",
          },
        };
      case "never-finishes":
        return { ...base, status: "InProgress", deploymentStatusMessages: ["traffic 10%"] };
    }
  }

  /** Moves the alias of each function of the deployment's AppSpec to its target version. */
  private shift(d: Deployment): void {
    const revision = d.input.revision as { appSpecContent?: { content?: string } } | undefined;
    const spec = JSON.parse(revision?.appSpecContent?.content ?? "{}") as {
      Resources?: Array<Record<string, { Properties: { Name: string; TargetVersion: string } }>>;
    };
    for (const entry of spec.Resources ?? [])
      for (const { Properties } of Object.values(entry))
        this.aliases[Properties.Name] = Properties.TargetVersion;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
