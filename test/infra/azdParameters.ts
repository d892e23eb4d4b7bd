/**
 * What `azd provision` passes to main.bicep for a given environment, following azd's own rules
 * (Azure/azure-dev cli/azd/pkg/infra/provisioning/bicep/bicep_provider.go, loadParameters and
 * evalParamEnvSubst; pkg/environment/environment.go, LookupEnv):
 * - `${NAME}` and `${NAME=default}` are substituted (drone/envsubst); the value is the azd environment's
 *   (.env) if it has the key, else the process environment's;
 * - `=default` applies when the value is empty (envsubst's toDefault), set or not;
 * - a string parameter that comes out empty because its variable is unset is omitted, so the Bicep
 *   default applies; a set but empty variable passes ''.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { infraDir } from './tools.js';

interface ParameterFile {
    parameters: Record<string, { value: unknown }>;
}

/** Parameter name -> value azd sends; omitted parameters are absent. */
export function azdParameters(
    dotenv: Readonly<Record<string, string>>,
    processEnv: Readonly<Record<string, string>> = {},
): Map<string, string> {
    const file = JSON.parse(readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')) as ParameterFile;
    const lookup = (name: string): string | undefined => (name in dotenv ? dotenv[name] : processEnv[name]);
    const resolved = new Map<string, string>();
    for (const [name, { value }] of Object.entries(file.parameters)) {
        if (typeof value !== 'string') throw new Error(`main.parameters.json: ${name} is not a string template`);
        const references = [...value.matchAll(/\$\{([A-Z0-9_]+)(?:=([^}]*))?\}/g)];
        const unset = references.some((m) => lookup(m[1]!) === undefined);
        const substituted = value.replace(/\$\{([A-Z0-9_]+)(?:=([^}]*))?\}/g, (_, variable: string, fallback: string | undefined) => {
            const found = lookup(variable);
            return found !== undefined && found !== '' ? found : (fallback ?? '');
        });
        if (substituted === '' && unset) continue;
        resolved.set(name, substituted);
    }
    return resolved;
}
