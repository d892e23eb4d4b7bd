#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Microsoft Graph app registration for the function app (Bicep cannot create client secrets).
#
#   graph-app.sh [ensure]          # azd postprovision hook (default): idempotent setup
#   graph-app.sh rotate-secret     # zero-downtime client secret rotation
#
# ensure:
#   1. creates or reuses the app registration (display name GRAPH_APP_DISPLAY_NAME, default
#      "graph-users-<AZURE_ENV_NAME>") and its service principal;
#   2. declares Microsoft Graph User.Read.All (application) on the registration and grants it with admin
#      consent (an app role assignment; the role id is looked up by value in Graph's appRoles);
#   3. if Key Vault does not hold a secret for a live credential of this app, creates a client secret
#      (bounded lifetime, GRAPH_CLIENT_SECRET_DAYS, default 180) and pipes it straight into Key Vault as
#      GRAPH_CLIENT_SECRET_NAME: the secret is never printed, never in a variable or argument, never on disk;
#   4. sets GRAPH_CLIENT_ID on the function app and in the azd environment (so the next `azd provision`,
#      which rewrites all app settings from Bicep, keeps it);
#   5. creates or reuses the API's own app registration (API_APP_DISPLAY_NAME, default
#      "graph-users-<env>-api": App ID URI, app role API_REQUIRED_ROLE, Azure CLI pre-authorized) and sets
#      API_AUDIENCE the same way, so callers need an Entra ID token with the role (lib/apiRegistration.sh;
#      API_REGISTRATION=skip leaves the API to the function key).
# rotate-secret:
#   adds a new credential, writes it as a new Key Vault version, waits ROTATE_GRACE_SECONDS (default 600: longer than SECRET_CACHE_TTL_SECONDS and Entra's propagation),
#   then removes the previous credential by its keyId. The app re-reads the vault every
#   SECRET_CACHE_TTL_SECONDS and immediately on invalid_client, so it picks the new version up.
#
# Needs: az (signed in with `az login` to the tenant whose users are read; a role that can create app
# registrations, and Privileged Role Administrator / Cloud Application Administrator / Global
# Administrator to grant admin consent), Key Vault Secrets Officer on the vault (granted by the Bicep
# to AZURE_PRINCIPAL_ID), and azd values (from the hook environment or `azd env get-values`).
set -euo pipefail
set +x # never trace: a trace could print credentials
umask 077

# shellcheck source=lib/apiRegistration.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/apiRegistration.sh"

readonly GRAPH_APP_ID='00000003-0000-0000-c000-000000000000' # Microsoft Graph's well-known appId
readonly GRAPH_PERMISSION='User.Read.All'

log() { printf '[graph-app] %s\n' "$*" >&2; }
warn() { printf '\n[graph-app] WARNING: %s\n\n' "$*" >&2; }
die() {
    printf '[graph-app] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------
# Configuration: hook environment first, then `azd env get-values` (dotenv lines KEY="value").
# ---------------------------------------------------------------------------------------------------
readonly WANTED_KEYS=' AZURE_ENV_NAME AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME
 AZURE_KEY_VAULT_NAME AZURE_KEY_VAULT_ENDPOINT GRAPH_TENANT_ID GRAPH_CLIENT_ID GRAPH_CLIENT_SECRET_NAME
 GRAPH_APP_DISPLAY_NAME GRAPH_CLIENT_SECRET_DAYS AUTHORITY_HOST GRAPH_ENDPOINT ROTATE_GRACE_SECONDS
 API_AUDIENCE API_REQUIRED_ROLE API_APP_DISPLAY_NAME API_REGISTRATION '

load_azd_values() {
    command -v azd >/dev/null 2>&1 || return 0
    local line key value wanted
    wanted=" ${WANTED_KEYS//[[:space:]]/ } "
    while IFS= read -r line; do
        [[ "${line}" == *=* ]] || continue
        key="${line%%=*}"
        value="${line#*=}"
        value="${value#\"}"
        value="${value%\"}"
        # Only well-known, non-secret keys; never overwrite what the caller exported.
        [[ "${wanted}" == *" ${key} "* ]] || continue
        [[ -z "${!key:-}" ]] || continue
        printf -v "${key}" '%s' "${value}"
    done < <(azd env get-values 2>/dev/null || true)
}

require() {
    local name
    for name in "$@"; do
        [[ -n "${!name:-}" ]] || die "${name} is not set (run \`azd provision\` first, or export it)"
    done
}

# Dates `days` from now, UTC, ISO 8601 (GNU date or BSD date).
date_in_days() {
    date -u -d "+$1 days" '+%Y-%m-%dT%H:%M:%SZ' 2>/dev/null || date -u -v "+$1d" '+%Y-%m-%dT%H:%M:%SZ'
}

# ---------------------------------------------------------------------------------------------------
# App registration and service principal
# ---------------------------------------------------------------------------------------------------
ensure_app_registration() {
    local ids count
    if [[ -n "${GRAPH_CLIENT_ID:-}" ]] && az ad app show --id "${GRAPH_CLIENT_ID}" --query appId -o tsv >/dev/null 2>&1; then
        APP_ID="${GRAPH_CLIENT_ID}"
        log "reusing app registration ${APP_ID} (GRAPH_CLIENT_ID)"
    else
        ids="$(az ad app list --filter "displayName eq '${GRAPH_APP_DISPLAY_NAME}'" --query '[].appId' -o tsv)"
        count="$(printf '%s' "${ids}" | grep -c . || true)"
        if ((count > 1)); then
            die "${count} app registrations are named '${GRAPH_APP_DISPLAY_NAME}'; set GRAPH_CLIENT_ID (azd env set GRAPH_CLIENT_ID <appId>) to pick one"
        elif ((count == 1)); then
            APP_ID="${ids}"
            log "reusing app registration '${GRAPH_APP_DISPLAY_NAME}' (${APP_ID})"
        else
            APP_ID="$(az ad app create --display-name "${GRAPH_APP_DISPLAY_NAME}" \
                --sign-in-audience AzureADMyOrg --query appId -o tsv)"
            log "created app registration '${GRAPH_APP_DISPLAY_NAME}' (${APP_ID})"
        fi
    fi

    SP_ID="$(az ad sp list --filter "appId eq '${APP_ID}'" --query '[0].id' -o tsv)"
    if [[ -z "${SP_ID}" ]]; then
        SP_ID="$(az ad sp create --id "${APP_ID}" --query id -o tsv)"
        log "created service principal ${SP_ID}"
    fi
}

# ---------------------------------------------------------------------------------------------------
# Microsoft Graph User.Read.All (application) with admin consent
# ---------------------------------------------------------------------------------------------------
ensure_graph_permission() {
    local graph_sp_id role_id declared assigned err_file body
    graph_sp_id="$(az ad sp show --id "${GRAPH_APP_ID}" --query id -o tsv)"
    # Look the app role up by value; its id is not hard-coded.
    role_id="$(az ad sp show --id "${GRAPH_APP_ID}" \
        --query "appRoles[?value=='${GRAPH_PERMISSION}' && contains(allowedMemberTypes, 'Application')].id | [0]" -o tsv)"
    [[ -n "${role_id}" ]] || die "Microsoft Graph has no application role ${GRAPH_PERMISSION}"

    # Declare the permission on the registration (portal view and the admin consent URL use it).
    declared="$(az ad app show --id "${APP_ID}" \
        --query "length(requiredResourceAccess[?resourceAppId=='${GRAPH_APP_ID}'].resourceAccess[] | [?id=='${role_id}'])" -o tsv)"
    if [[ "${declared}" == "0" ]]; then
        az ad app permission add --id "${APP_ID}" --api "${GRAPH_APP_ID}" \
            --api-permissions "${role_id}=Role" --only-show-errors >/dev/null
        log "declared ${GRAPH_PERMISSION} (application) on the registration"
    fi

    # Grant = app role assignment on the service principal (what admin consent creates).
    assigned="$(az rest --method GET \
        --url "${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${SP_ID}/appRoleAssignments" \
        --query "length(value[?appRoleId=='${role_id}' && resourceId=='${graph_sp_id}'])" -o tsv)"
    if [[ "${assigned}" != "0" ]]; then
        log "${GRAPH_PERMISSION} already granted (admin consent present)"
        CONSENT_OK=true
        return 0
    fi

    body="{\"principalId\":\"${SP_ID}\",\"resourceId\":\"${graph_sp_id}\",\"appRoleId\":\"${role_id}\"}"
    err_file="${WORK_DIR}/grant.err" # error text of az rest only (no credentials); removed on exit
    local attempt
    for attempt in 1 2 3 4 5 6; do
        if az rest --method POST \
            --url "${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${graph_sp_id}/appRoleAssignedTo" \
            --headers 'Content-Type=application/json' --body "${body}" -o none 2>"${err_file}"; then
            log "granted ${GRAPH_PERMISSION} (application) with admin consent"
            CONSENT_OK=true
            return 0
        fi
        if grep -Eqi 'Forbidden|Authorization_RequestDenied|Insufficient privileges|403' "${err_file}"; then
            CONSENT_OK=false
            warn "You lack the directory role to grant admin consent (403 on appRoleAssignedTo).
  ${GRAPH_PERMISSION} needs Privileged Role Administrator, Cloud Application Administrator or Global
  Administrator. Ask an administrator to open this URL and accept:

    ${CONSENT_URL_BASE}/${GRAPH_TENANT_ID}/adminconsent?client_id=${APP_ID}

  or to run: az ad app permission admin-consent --id ${APP_ID}
  Until then GET /api/users answers 403 (Authorization_RequestDenied from Graph)."
            return 0
        fi
        # A new service principal takes a few seconds to replicate: retry "does not exist" errors.
        if ((attempt < 6)) && grep -Eqi 'does not exist|not found|Request_ResourceNotFound' "${err_file}"; then
            sleep $((attempt * 5))
            continue
        fi
        cat "${err_file}" >&2
        die "could not grant ${GRAPH_PERMISSION}"
    done
}

# ---------------------------------------------------------------------------------------------------
# Client secret -> Key Vault (never printed)
# ---------------------------------------------------------------------------------------------------

# Role assignments take minutes to propagate after `azd provision`: wait until this principal can use
# the vault data plane before a credential is created (so it never has to be thrown away).
wait_for_vault_access() {
    local attempt
    for attempt in $(seq 1 30); do
        if az keyvault secret list --vault-name "${AZURE_KEY_VAULT_NAME}" --maxresults 1 -o none 2>"${WORK_DIR}/kv.err"; then
            return 0
        fi
        if ((attempt == 1)); then
            log "waiting for Key Vault data-plane access to ${AZURE_KEY_VAULT_NAME} (role assignment propagation)"
        fi
        sleep 10
    done
    cat "${WORK_DIR}/kv.err" >&2
    die "no data-plane access to Key Vault ${AZURE_KEY_VAULT_NAME}: the signed-in principal needs Key Vault Secrets Officer on it (Bicep grants it to AZURE_PRINCIPAL_ID when grantDeployerSecretsOfficer is true) and the vault must be reachable (keyVaultPublicNetworkAccess)"
}

# keyId tag of the current Key Vault secret version, or empty.
current_vault_key_id() {
    az keyvault secret show --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_SECRET_NAME}" \
        --query 'tags."graph-key-id"' -o tsv 2>/dev/null || true
}

app_has_credential() {
    local n
    n="$(az ad app credential list --id "${APP_ID}" --query "length([?keyId=='$1'])" -o tsv)"
    [[ "${n}" != "0" ]]
}

# Writes stdin to the Key Vault secret, but only if stdin is not empty: if the credential reset
# failed, the vault would otherwise get an empty latest version that every instance then reads.
vault_write_nonempty() {
    local first expires="$1"
    IFS= read -r -n1 first || return 1
    [[ -n "${first}" ]] || return 1
    { printf '%s' "${first}"; cat; } |
        az keyvault secret set --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_SECRET_NAME}" \
            --file /dev/stdin --encoding utf-8 --content-type 'text/plain' --expires "${expires}" \
            --tags "graph-app-id=${APP_ID}" --query id -o none
}

# Creates a credential and pipes its value straight into a new Key Vault secret version.
new_secret_into_vault() {
    local display_name end_date key_id
    display_name="graph-users-$(date -u '+%Y%m%dT%H%M%SZ')-${RANDOM}${RANDOM}" # unique: the keyId is found by it
    end_date="$(date_in_days "${GRAPH_CLIENT_SECRET_DAYS}")"

    # The password travels only through this pipe: az (stdout) -> tr -> az (stdin). No variable, no
    # argument, no file. `tr` strips the newline that `-o tsv` appends.
    if ! az ad app credential reset --id "${APP_ID}" --append --display-name "${display_name}" \
        --end-date "${end_date}" --query password -o tsv --only-show-errors |
        tr -d '\r\n' |
        vault_write_nonempty "${end_date}"; then
        # Do not leave an orphaned credential behind.
        key_id="$(az ad app credential list --id "${APP_ID}" --query "[?displayName=='${display_name}'].keyId | [0]" -o tsv || true)"
        if [[ -n "${key_id}" ]]; then
            az ad app credential delete --id "${APP_ID}" --key-id "${key_id}" --only-show-errors || true
        fi
        die "could not store the new client secret in Key Vault ${AZURE_KEY_VAULT_NAME} (Key Vault Secrets Officer needed; public network access enabled?)"
    fi

    key_id="$(az ad app credential list --id "${APP_ID}" --query "[?displayName=='${display_name}'].keyId | [0]" -o tsv)"
    az keyvault secret set-attributes --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_SECRET_NAME}" \
        --tags "graph-app-id=${APP_ID}" "graph-key-id=${key_id}" "graph-credential=${display_name}" -o none
    log "stored a new client secret (keyId ${key_id}, expires ${end_date}) as Key Vault secret '${GRAPH_CLIENT_SECRET_NAME}'"
    NEW_KEY_ID="${key_id}"
}

ensure_secret() {
    local vault_key_id
    wait_for_vault_access
    vault_key_id="$(current_vault_key_id)"
    if [[ -n "${vault_key_id}" ]] && app_has_credential "${vault_key_id}"; then
        log "Key Vault secret '${GRAPH_CLIENT_SECRET_NAME}' matches live credential ${vault_key_id}; not creating a new one"
        return 0
    fi
    new_secret_into_vault
}

rotate_secret() {
    local old_key_id
    wait_for_vault_access
    old_key_id="$(current_vault_key_id)"
    new_secret_into_vault
    if [[ -z "${old_key_id}" ]]; then
        warn "the previous Key Vault version had no graph-key-id tag: no credential removed. List them with
  az ad app credential list --id ${APP_ID} -o table   and delete stale ones by keyId."
        return 0
    fi
    if [[ "${old_key_id}" == "${NEW_KEY_ID}" ]]; then
        return 0
    fi
    if ((ROTATE_GRACE_SECONDS > 0)); then
        log "waiting ${ROTATE_GRACE_SECONDS}s before removing the previous credential"
        sleep "${ROTATE_GRACE_SECONDS}"
    fi
    if app_has_credential "${old_key_id}"; then
        az ad app credential delete --id "${APP_ID}" --key-id "${old_key_id}" --only-show-errors
        log "removed the previous credential ${old_key_id}"
    fi
}

# ---------------------------------------------------------------------------------------------------
# GRAPH_CLIENT_ID on the function app and in the azd environment
# ---------------------------------------------------------------------------------------------------
publish_client_id() {
    local current
    current="$(az functionapp config appsettings list -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
        --query "[?name=='GRAPH_CLIENT_ID'].value | [0]" -o tsv)"
    if [[ "${current}" != "${APP_ID}" ]]; then
        az functionapp config appsettings set -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
            --settings "GRAPH_CLIENT_ID=${APP_ID}" -o none
        log "set GRAPH_CLIENT_ID=${APP_ID} on ${AZURE_FUNCTION_APP_NAME}"
    fi
    if command -v azd >/dev/null 2>&1; then
        azd env set GRAPH_CLIENT_ID "${APP_ID}" >/dev/null
    fi
}

main() {
    local mode="${1:-ensure}"
    case "${mode}" in
        ensure | rotate-secret) ;;
        -h | --help)
            sed -n '3,/^set -euo/p' "$0" | sed '$d'
            return 0
            ;;
        *) die "unknown mode '${mode}' (ensure | rotate-secret)" ;;
    esac

    command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is required"
    load_azd_values
    : "${GRAPH_CLIENT_SECRET_NAME:=graph-client-secret}"
    : "${GRAPH_CLIENT_SECRET_DAYS:=180}"
    : "${ROTATE_GRACE_SECONDS:=600}"
    : "${GRAPH_ENDPOINT:=https://graph.microsoft.com}"
    : "${AUTHORITY_HOST:=https://login.microsoftonline.com}"
    : "${GRAPH_TENANT_ID:=${AZURE_TENANT_ID:-}}"
    : "${GRAPH_APP_DISPLAY_NAME:=graph-users-${AZURE_ENV_NAME:-app}}"
    GRAPH_ENDPOINT="${GRAPH_ENDPOINT%/}"
    CONSENT_URL_BASE="${AUTHORITY_HOST%/}"
    require AZURE_KEY_VAULT_NAME AZURE_FUNCTION_APP_NAME AZURE_RESOURCE_GROUP GRAPH_TENANT_ID
    if ! [[ "${GRAPH_CLIENT_SECRET_DAYS}" =~ ^[0-9]+$ ]] || ((GRAPH_CLIENT_SECRET_DAYS < 1 || GRAPH_CLIENT_SECRET_DAYS > 730)); then
        die "GRAPH_CLIENT_SECRET_DAYS must be 1..730"
    fi
    [[ "${ROTATE_GRACE_SECONDS}" =~ ^[0-9]+$ ]] || die "ROTATE_GRACE_SECONDS must be a number of seconds"

    local signed_in_tenant
    signed_in_tenant="$(az account show --query tenantId -o tsv 2>/dev/null)" || die "run \`az login\` first"
    if [[ "${GRAPH_TENANT_ID}" =~ ^[0-9a-fA-F-]{36}$ && "${signed_in_tenant}" != "${GRAPH_TENANT_ID}" ]]; then
        die "az is signed in to tenant ${signed_in_tenant}, but GRAPH_TENANT_ID is ${GRAPH_TENANT_ID}: run \`az login --tenant ${GRAPH_TENANT_ID}\` (the app registration must live in the tenant whose users are read)"
    fi

    WORK_DIR="$(mktemp -d)"
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf '${WORK_DIR}'" EXIT
    APP_ID='' SP_ID='' NEW_KEY_ID='' CONSENT_OK=false API_APP_ID='' API_SP_ID='' API_ROLE_ID=''
    ensure_app_registration
    if [[ "${mode}" == rotate-secret ]]; then
        rotate_secret
        publish_client_id
        log "rotation done"
        return 0
    fi
    ensure_graph_permission
    ensure_secret
    publish_client_id
    if [[ "${API_REGISTRATION:-}" == skip ]]; then
        warn "API_REGISTRATION=skip: API_AUDIENCE is left as it is; without it the function key alone guards the API, and it names no caller."
    else
        ensure_api_registration
        publish_api_audience
    fi
    if [[ "${CONSENT_OK}" == true ]]; then
        log "done: app ${APP_ID} can read users through ${GRAPH_ENDPOINT}"
    else
        log "done, except admin consent (see the warning above)"
    fi
}

main "$@"
