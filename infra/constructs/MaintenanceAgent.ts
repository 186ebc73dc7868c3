import { Stack, Validations } from 'aws-cdk-lib';
import * as bedrock from 'aws-cdk-lib/aws-bedrock';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  AGENT_FUNCTIONS,
  AGENT_INSTRUCTION,
  type AgentFunctionSpec,
} from '../../processors/agent/constants.js';
import type { PfmStackConfig } from '../config.js';
import { LAMBDA_ENTRIES, SERVICE_NAMES } from '../constants.js';
import { PfmFunction } from './PfmFunction.js';
import type { PredictionStore } from './PredictionStore.js';

// The function list and instruction live with the action-group code (processors/agent/functions.ts): one
// list serves the Lambda's router, the local `pfm ask` planner and this schema.
export { AGENT_FUNCTIONS, AGENT_INSTRUCTION, type AgentFunctionSpec };

export interface MaintenanceAgentProps {
  settings: PfmStackConfig['agent'];
  /** Queried by the action group, which runs where the store can be reached. */
  store: PredictionStore;
}

/** Cross-region inference profile ids carry a geography prefix before the model id. */
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|global)\.(.+)$/;
/**
 * What the agent's role needs to run the model: InvokeModel, and InvokeModelWithResponseStream because
 * `pfm ask` asks for the final answer streamed (InvokeAgent streamingConfigurations.streamFinalResponse; Bedrock
 * user guide, "Stream agent responses": the agent's service role must allow it).
 */
export const MODEL_ACTIONS = ['bedrock:InvokeModel', 'bedrock:InvokeModelWithResponseStream'] as const;
/** The alias `pfm ask` and applications invoke (PFM_AGENT_ALIAS_ID); it points at a version made from the draft. */
export const AGENT_ALIAS_NAME = 'live';

/**
 * The Bedrock agent that answers maintenance questions, its action-group function that queries the prediction
 * store, a guardrail on what goes in and out, and the alias callers invoke.
 */
export class MaintenanceAgent extends Construct {
  readonly fn: PfmFunction;
  readonly agent: bedrock.CfnAgent;
  readonly role: iam.Role;
  readonly guardrail: bedrock.CfnGuardrail;
  readonly guardrailVersion: bedrock.CfnGuardrailVersion;
  readonly alias: bedrock.CfnAgentAlias;

  constructor(scope: Construct, id: string, props: MaintenanceAgentProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const modelId = props.settings.foundationModelId as string;
    this.fn = new PfmFunction(this, 'Actions', {
      entry: LAMBDA_ENTRIES.agent,
      serviceName: SERVICE_NAMES.agent,
      description: 'Bedrock agent action group: fleet risk queries against the prediction store',
      memoryMb: 512,
      timeoutSeconds: 30,
      reservedConcurrency: props.settings.reservedConcurrency,
      environment: { ...props.store.environment, ...props.store.forecastEnvironment },
      ...props.store.placement,
    });
    props.store.grantRead(this.fn, ['predictions', 'quarantine', 'drift', 'forecasts']);

    this.role = new iam.Role(this, 'AgentRole', {
      description: 'Bedrock agent service role (model invocation)',
      assumedBy: new iam.ServicePrincipal('bedrock.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({ service: 'bedrock', resource: 'agent', resourceName: '*' }),
          },
        },
      }),
    });
    const profile = INFERENCE_PROFILE_PREFIX.exec(modelId);
    if (profile) {
      // An inference profile routes to the model in any of its geography's regions: the model grant
      // cannot name one region.
      const profileArn = stack.formatArn({
        service: 'bedrock',
        resource: 'inference-profile',
        resourceName: modelId,
      });
      const modelArns = `arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`;
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...MODEL_ACTIONS, 'bedrock:GetInferenceProfile'],
          resources: [profileArn],
        }),
      );
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...MODEL_ACTIONS], resources: [modelArns] }),
      );
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${profile[2]}]`,
        reason:
          'A cross-region inference profile invokes the model in any region of its geography; the model ARN is pinned, the region cannot be.',
      });
    } else {
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [...MODEL_ACTIONS],
          resources: [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`],
        }),
      );
    }

    this.guardrail = this.contentGuardrail(stack.stackName);
    this.guardrailVersion = new bedrock.CfnGuardrailVersion(this, 'GuardrailVersion', {
      guardrailIdentifier: this.guardrail.attrGuardrailId,
      description: 'The version the agent uses',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['bedrock:ApplyGuardrail'],
        resources: [this.guardrail.attrGuardrailArn],
      }),
    );

    this.agent = new bedrock.CfnAgent(this, 'Agent', {
      agentName: `${stack.stackName}-maintenance`.slice(0, 100),
      description: 'Answers questions about fleet failure risk from the pfm prediction store',
      foundationModel: modelId,
      instruction: AGENT_INSTRUCTION,
      agentResourceRoleArn: this.role.roleArn,
      idleSessionTtlInSeconds: props.settings.idleSessionTtlSeconds,
      autoPrepare: true,
      guardrailConfiguration: {
        guardrailIdentifier: this.guardrail.attrGuardrailId,
        guardrailVersion: this.guardrailVersion.attrVersion,
      },
      actionGroups: [
        {
          actionGroupName: 'fleet',
          description: 'Fleet risk and summary queries',
          actionGroupState: 'ENABLED',
          actionGroupExecutor: { lambda: this.fn.function.functionArn },
          functionSchema: {
            functions: AGENT_FUNCTIONS.map((f) => ({
              name: f.name,
              description: f.description,
              parameters: f.parameters,
            })),
          },
        },
      ],
    });
    this.fn.function.addPermission('InvokeByAgent', {
      principal: new iam.ServicePrincipal('bedrock.amazonaws.com'),
      sourceArn: this.agent.attrAgentArn,
      sourceAccount: stack.account,
    });
    // Without a routing configuration Bedrock makes a new agent version from the prepared draft for the alias.
    this.alias = new bedrock.CfnAgentAlias(this, 'Alias', {
      agentId: this.agent.attrAgentId,
      agentAliasName: AGENT_ALIAS_NAME,
      description: 'The alias pfm ask invokes (PFM_AGENT_ALIAS_ID)',
    });
  }

  /**
   * Content filters on questions and answers, and prompt-attack detection on questions (Bedrock user guide,
   * "Guardrails": content filters; PROMPT_ATTACK applies to inputs only, its output strength must be NONE).
   */
  private contentGuardrail(stackName: string): bedrock.CfnGuardrail {
    const filter = (type: string) => ({ type, inputStrength: 'HIGH', outputStrength: 'HIGH' });
    return new bedrock.CfnGuardrail(this, 'Guardrail', {
      name: `${stackName}-maintenance`.slice(0, 50),
      description: 'Keeps the maintenance agent to fleet-health questions and plain answers',
      blockedInputMessaging: 'I can only answer questions about the health of the machines in the fleet.',
      blockedOutputsMessaging: 'I cannot give that answer; ask about the fleet, a machine or drift.',
      contentPolicyConfig: {
        filtersConfig: [
          filter('SEXUAL'),
          filter('VIOLENCE'),
          filter('HATE'),
          filter('INSULTS'),
          filter('MISCONDUCT'),
          { type: 'PROMPT_ATTACK', inputStrength: 'HIGH', outputStrength: 'NONE' },
        ],
      },
    });
  }
}
