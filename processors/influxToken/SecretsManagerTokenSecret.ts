import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { TokenSecret } from './types.js';

/** The token secret in Secrets Manager (GetSecretValue, PutSecretValue, DescribeSecret, UpdateSecretVersionStage). */
export class SecretsManagerTokenSecret implements TokenSecret {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  async read(options: { stage?: string; versionId?: string } = {}): Promise<string | undefined> {
    try {
      const out = await this.client.send(
        new GetSecretValueCommand({
          SecretId: this.secretId,
          ...(options.versionId === undefined ? {} : { VersionId: options.versionId }),
          ...(options.stage === undefined ? {} : { VersionStage: options.stage }),
        }),
      );
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async put(value: string, options: { versionId: string; stages: string[] }): Promise<void> {
    await this.client.send(
      new PutSecretValueCommand({
        SecretId: this.secretId,
        SecretString: value,
        ClientRequestToken: options.versionId,
        VersionStages: options.stages,
      }),
    );
  }

  async stages(): Promise<Record<string, string[]>> {
    const out = await this.client.send(new DescribeSecretCommand({ SecretId: this.secretId }));
    return out.VersionIdsToStages ?? {};
  }

  async makeCurrent(versionId: string, fromVersionId: string | undefined): Promise<void> {
    await this.client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: this.secretId,
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: versionId,
        ...(fromVersionId === undefined ? {} : { RemoveFromVersionId: fromVersionId }),
      }),
    );
  }
}
