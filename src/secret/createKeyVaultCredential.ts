import {
    AzureCliCredential,
    AzureDeveloperCliCredential,
    ChainedTokenCredential,
    ManagedIdentityCredential,
    type TokenCredential,
} from '@azure/identity';
import type { Environment } from '../config/readSettings.js';

/**
 * In Azure (App Service/Functions set IDENTITY_ENDPOINT) use the managed identity directly:
 * DefaultAzureCredential's chain probing adds seconds to cold starts. Elsewhere a developer's
 * `az login` or `azd auth login` works.
 */
export function createKeyVaultCredential(env: Environment, managedIdentityClientId: string | undefined): TokenCredential {
    if (env.IDENTITY_ENDPOINT !== undefined && env.IDENTITY_ENDPOINT !== '') {
        return managedIdentityClientId === undefined
            ? new ManagedIdentityCredential()
            : new ManagedIdentityCredential({ clientId: managedIdentityClientId });
    }
    return new ChainedTokenCredential(new AzureCliCredential(), new AzureDeveloperCliCredential());
}
