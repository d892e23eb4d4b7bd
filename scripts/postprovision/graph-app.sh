#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Microsoft Graph app registration of the function app, and its credential.
#
#   graph-app.sh [ensure]            # postprovision hook (default): idempotent setup for GRAPH_CREDENTIAL
#   graph-app.sh preserve-settings   # preprovision hook: keep the live app's identity settings
#   graph-app.sh verify              # postdeploy hook: the deployed app's first Graph token, with retries
#   graph-app.sh rotate-secret       # keyVaultSecret: zero-downtime client secret rotation
#   graph-app.sh rotate-certificate  # keyVaultCertificate: zero-downtime certificate rotation
#
# Who runs it (GRAPH_APP_SETUP):
#   admin (default on a workstation): an administrator, signed in with `az login`, creates or changes the
#     app registration. Needs a role that can create app registrations, and Privileged Role Administrator,
#     Cloud Application Administrator or Global Administrator to grant admin consent.
#   pipeline (default when CI, GITHUB_ACTIONS or TF_BUILD is set): makes no Microsoft Graph call at all,
#     so the pipeline's identity needs no Graph permission. ensure only checks what the administrator set
#     up (GRAPH_CLIENT_ID, the Key Vault credential's metadata) and stops, naming the administrator's
#     command, when something is missing; preserve-settings refuses to change the live identity settings.
#
# ensure, by GRAPH_CREDENTIAL (administrator):
#   all modes: creates or reuses the app registration (GRAPH_APP_DISPLAY_NAME, default
#     "graph-users-<AZURE_ENV_NAME>") and its service principal; declares Microsoft Graph User.Read.All
#     (application) and grants it with admin consent; sets GRAPH_CLIENT_ID on the app and in the azd env;
#     creates or reuses the API's own app registration (App ID URI, app role API_REQUIRED_ROLE, Azure CLI
#     pre-authorized), gives the role to the administrator running it (API_GRANT_DEPLOYER=false: not), and
#     sets API_AUDIENCE the same way (lib/apiRegistration.sh; API_REGISTRATION=skip leaves the API to the
#     function key).
#   keyVaultSecret: a client secret (GRAPH_CLIENT_SECRET_DAYS, default 180) piped straight into Key Vault as
#     GRAPH_CLIENT_SECRET_NAME, unless the vault's secret still belongs to a live credential. A tenant whose
#     app management policy refuses secrets (CredentialTypeNotAllowedAsPerAppPolicy) stops the run with the
#     switch to managedIdentity; one that caps their lifetime (CredentialInvalidLifetimeAsPerAppPolicy), with
#     a shorter GRAPH_CLIENT_SECRET_DAYS (GRAPH_CLIENT_CERTIFICATE_MONTHS for certificates).
#   keyVaultCertificate: a certificate generated inside Key Vault (GRAPH_CLIENT_CERTIFICATE_NAME, exportable
#     RSA key, PEM, GRAPH_CLIENT_CERTIFICATE_MONTHS, default 12) whose public part is registered on the app.
#   managedIdentity: a federated identity credential that trusts the function's user-assigned identity
#     (issuer {AUTHORITY_HOST}/{tenant}/v2.0, subject its principal id, audience of the cloud). No secret.
# rotate-secret / rotate-certificate: a new credential and Key Vault version, then, after
#   ROTATE_GRACE_SECONDS (default 600, at least 180: longer than Entra ID's propagation plus the app's 2-minute retry of a
#   refused new value), the previous credential is removed by its keyId. The vault's new version exists before
#   Entra ID accepts it; the app keeps the previous credential until it does, then switches, without a restart.
# verify: GET /api/users?top=1 with the function key, or with API_AUDIENCE set, with the signed-in
#   identity's Entra ID token for the API (it needs the app role); retries while Entra ID does not yet honour a new
#   federated or key credential (AADSTS70021/700027) and while the platform starts, for up to
#   GRAPH_APP_VERIFY_TIMEOUT_SECONDS (default 300), every GRAPH_APP_VERIFY_INTERVAL_SECONDS (default 15).
#
# Values come from the hook environment or `azd env get-values`. Never traced: nothing here may print a
# credential, and no secret, private key or function key is ever an argument, a file or a log line.
set -euo pipefail
set +x # never trace: a trace could print credentials
umask 077

HOOK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly HOOK_DIR
# shellcheck source=lib/common.sh
source "${HOOK_DIR}/lib/common.sh"
# shellcheck source=lib/nameClash.sh
source "${HOOK_DIR}/lib/nameClash.sh"
# shellcheck source=lib/appRegistration.sh
source "${HOOK_DIR}/lib/appRegistration.sh"
# shellcheck source=lib/keyVault.sh
source "${HOOK_DIR}/lib/keyVault.sh"
# shellcheck source=lib/clientSecret.sh
source "${HOOK_DIR}/lib/clientSecret.sh"
# shellcheck source=lib/certificate.sh
source "${HOOK_DIR}/lib/certificate.sh"
# shellcheck source=lib/federation.sh
source "${HOOK_DIR}/lib/federation.sh"
# shellcheck source=lib/liveSettings.sh
source "${HOOK_DIR}/lib/liveSettings.sh"
# shellcheck source=lib/verify.sh
source "${HOOK_DIR}/lib/verify.sh"
# shellcheck source=lib/apiRegistration.sh
source "${HOOK_DIR}/lib/apiRegistration.sh"

read_configuration() {
    load_azd_values
    resolve_setup
    : "${GRAPH_CREDENTIAL:=keyVaultSecret}"
    : "${GRAPH_CLIENT_SECRET_NAME:=graph-client-secret}"
    : "${GRAPH_CLIENT_CERTIFICATE_NAME:=graph-client-certificate}"
    : "${GRAPH_CLIENT_SECRET_DAYS:=180}"
    : "${GRAPH_CLIENT_CERTIFICATE_MONTHS:=12}"
    : "${ROTATE_GRACE_SECONDS:=600}"
    : "${GRAPH_APP_VERIFY_TIMEOUT_SECONDS:=300}"
    : "${GRAPH_APP_VERIFY_INTERVAL_SECONDS:=15}"
    : "${GRAPH_ENDPOINT:=https://graph.microsoft.com}"
    : "${AUTHORITY_HOST:=https://login.microsoftonline.com}"
    : "${GRAPH_TENANT_ID:=${AZURE_TENANT_ID:-}}"
    : "${GRAPH_APP_DISPLAY_NAME:=graph-users-${AZURE_ENV_NAME:-app}}"
    GRAPH_ENDPOINT="${GRAPH_ENDPOINT%/}"
    CONSENT_URL_BASE="${AUTHORITY_HOST%/}"
    case "${GRAPH_CREDENTIAL}" in
        keyVaultSecret | keyVaultCertificate | managedIdentity) ;;
        *) die "GRAPH_CREDENTIAL must be keyVaultSecret, keyVaultCertificate or managedIdentity, not '${GRAPH_CREDENTIAL}'" ;;
    esac
    if ! [[ "${GRAPH_CLIENT_SECRET_DAYS}" =~ ^[0-9]+$ ]] || ((GRAPH_CLIENT_SECRET_DAYS < 1 || GRAPH_CLIENT_SECRET_DAYS > 730)); then
        die "GRAPH_CLIENT_SECRET_DAYS must be 1..730"
    fi
    if ! [[ "${GRAPH_CLIENT_CERTIFICATE_MONTHS}" =~ ^[0-9]+$ ]] || ((GRAPH_CLIENT_CERTIFICATE_MONTHS < 1 || GRAPH_CLIENT_CERTIFICATE_MONTHS > 24)); then
        die "GRAPH_CLIENT_CERTIFICATE_MONTHS must be 1..24"
    fi
    local name
    for name in ROTATE_GRACE_SECONDS GRAPH_APP_VERIFY_TIMEOUT_SECONDS GRAPH_APP_VERIFY_INTERVAL_SECONDS; do
        [[ "${!name}" =~ ^[0-9]+$ ]] || die "${name} must be a number of seconds"
    done
    # The previous credential must outlive Entra ID's propagation of the new one plus the app's 2-minute
    # retry of a refused new value (README, "Rotation"): anything shorter can cut off running instances.
    ((10#${ROTATE_GRACE_SECONDS} >= 180)) ||
        die "ROTATE_GRACE_SECONDS must be at least 180 (Entra ID's propagation of the new credential plus the app's 2-minute retry), not ${ROTATE_GRACE_SECONDS}: the previous credential would be removed while instances still use it"
}

# The signed-in tenant must be the one whose users are read: that is where the registration must live.
check_signed_in_tenant() {
    local signed_in_tenant
    signed_in_tenant="$(az account show --query tenantId -o tsv 2>/dev/null)" || die "run \`az login\` first"
    if [[ "${GRAPH_TENANT_ID:-}" =~ ${GUID_PATTERN} && "$(lowercase "${signed_in_tenant}")" != "$(lowercase "${GRAPH_TENANT_ID}")" ]]; then
        die "az is signed in to tenant ${signed_in_tenant}, but GRAPH_TENANT_ID is ${GRAPH_TENANT_ID}: run \`az login --tenant ${GRAPH_TENANT_ID}\` (the app registration must live in the tenant whose users are read)"
    fi
}

require_vault() {
    [[ "${GRAPH_CREDENTIAL}" != managedIdentity ]] || return 0
    require AZURE_KEY_VAULT_NAME
}

ensure() {
    require AZURE_FUNCTION_APP_NAME AZURE_RESOURCE_GROUP GRAPH_TENANT_ID
    require_vault
    if in_pipeline; then
        check_pipeline_prerequisites
        check_api_audience
        return 0
    fi
    ensure_app_registration
    ensure_graph_permission
    case "${GRAPH_CREDENTIAL}" in
        keyVaultSecret) ensure_secret ;;
        keyVaultCertificate) ensure_certificate ;;
        managedIdentity)
            ensure_federated_credential
            report_leftover_credentials
            ;;
    esac
    publish_client_id
    ensure_api
    if [[ "${CONSENT_OK}" == true ]]; then
        log "done: app ${APP_ID} can read users through ${GRAPH_ENDPOINT} (GRAPH_CREDENTIAL=${GRAPH_CREDENTIAL})"
    else
        log "done, except admin consent (see the warning above)"
    fi
}

# rotate-secret / rotate-certificate: administrator only, and only in the matching mode.
rotate() {
    local wanted="$1"
    in_pipeline && die "rotation creates a credential on the app registration, which needs a Microsoft Graph role: an administrator runs it"
    [[ "${GRAPH_CREDENTIAL}" == "${wanted}" ]] || die "this rotation is for GRAPH_CREDENTIAL=${wanted}, but it is ${GRAPH_CREDENTIAL}"
    require AZURE_FUNCTION_APP_NAME AZURE_RESOURCE_GROUP GRAPH_TENANT_ID AZURE_KEY_VAULT_NAME
    ensure_app_registration
    if [[ "${wanted}" == keyVaultSecret ]]; then rotate_secret; else rotate_certificate; fi
    publish_client_id
    log "rotation done"
}

main() {
    local mode="${1:-ensure}"
    case "${mode}" in
        ensure | preserve-settings | verify | rotate-secret | rotate-certificate) ;;
        -h | --help)
            sed -n '3,/^set -euo/p' "$0" | sed '$d'
            return 0
            ;;
        *) die "unknown mode '${mode}' (ensure | preserve-settings | verify | rotate-secret | rotate-certificate)" ;;
    esac

    command -v az >/dev/null 2>&1 || die "the Azure CLI (az) is required"
    if [[ "${mode}" == preserve-settings ]]; then
        # Compares the azd environment's own values with the live ones: no defaults filled in.
        load_azd_values
        resolve_setup
    else
        read_configuration
    fi
    check_signed_in_tenant

    WORK_DIR="$(mktemp -d)"
    # shellcheck disable=SC2064 # expand now: the path is fixed
    trap "rm -rf '${WORK_DIR}'" EXIT
    APP_ID='' SP_ID='' NEW_KEY_ID='' CONSENT_OK=false API_APP_ID='' API_SP_ID='' API_ROLE_ID=''
    case "${mode}" in
        ensure) ensure ;;
        preserve-settings) preserve_live_settings ;;
        verify) verify_app ;;
        rotate-secret) rotate keyVaultSecret ;;
        rotate-certificate) rotate keyVaultCertificate ;;
    esac
}

main "$@"
