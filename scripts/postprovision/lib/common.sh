# shellcheck shell=bash
# Shared by graph-app.sh and its lib/*.sh: logging, configuration, the two ways the hook runs (an
# administrator's or a pipeline's), and the one Microsoft Graph REST helper.

# shellcheck disable=SC2034 # used by the other sourced files
readonly GUID_PATTERN='^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'

log() { printf '[graph-app] %s\n' "$*" >&2; }
warn() { printf '\n[graph-app] WARNING: %s\n\n' "$*" >&2; }
die() {
    printf '[graph-app] ERROR: %s\n' "$*" >&2
    exit 1
}

# ---------------------------------------------------------------------------------------------------
# Configuration: hook environment first, then `azd env get-values` (dotenv lines KEY="value").
# azd runs hooks with its environment's values on top of the process environment (pkg/ext/hooks_runner.go),
# the same precedence its parameter substitution uses (pkg/environment/environment.go, LookupEnv).
# ---------------------------------------------------------------------------------------------------
readonly WANTED_KEYS=' AZURE_ENV_NAME AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME
 AZURE_KEY_VAULT_NAME AZURE_KEY_VAULT_ENDPOINT AZURE_MANAGED_IDENTITY_NAME AZURE_MANAGED_IDENTITY_PRINCIPAL_ID
 SERVICE_API_URI GRAPH_TENANT_ID GRAPH_CLIENT_ID GRAPH_CREDENTIAL GRAPH_CLIENT_SECRET_NAME GRAPH_CLIENT_CERTIFICATE_NAME
 GRAPH_APP_DISPLAY_NAME GRAPH_CLIENT_SECRET_DAYS GRAPH_CLIENT_CERTIFICATE_MONTHS GRAPH_APP_SETUP AUTHORITY_HOST
 GRAPH_ENDPOINT ROTATE_GRACE_SECONDS GRAPH_APP_VERIFY_TIMEOUT_SECONDS GRAPH_APP_VERIFY_INTERVAL_SECONDS
 API_AUDIENCE API_REQUIRED_ROLE API_APP_DISPLAY_NAME API_REGISTRATION API_GRANT_DEPLOYER '

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

lowercase() { printf '%s' "$1" | tr '[:upper:]' '[:lower:]'; }

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

# Whole days from now until an ISO 8601 UTC time (negative once past); empty if the date can't be read.
days_until() {
    local at now
    [[ -n "$1" ]] || return 0
    at="$(date -u -d "$1" '+%s' 2>/dev/null || date -u -j -f '%Y-%m-%dT%H:%M:%S' "${1%%[.+Z]*}" '+%s' 2>/dev/null)" || return 0
    now="$(date -u '+%s')"
    printf '%s' $(((at - now) / 86400))
}

# ---------------------------------------------------------------------------------------------------
# Who runs the hook. "admin": an administrator, who may create and change the app registration (needs a
# Microsoft Graph directory role). "pipeline": CI, whose identity has no Graph permission at all, so the
# hook makes no Graph call and fails, naming the administrator's command, when their part is missing.
# Default: pipeline when a CI system is detected (CI, GITHUB_ACTIONS, TF_BUILD), else admin.
# ---------------------------------------------------------------------------------------------------
resolve_setup() {
    if [[ -z "${GRAPH_APP_SETUP:-}" ]]; then
        if [[ "${CI:-}" =~ ^([Tt]rue|1|yes)$ || -n "${GITHUB_ACTIONS:-}" || -n "${TF_BUILD:-}" ]]; then
            GRAPH_APP_SETUP='pipeline'
            log "running in a pipeline (CI detected): checks only, no Microsoft Graph call (GRAPH_APP_SETUP=admin overrides)"
        else
            GRAPH_APP_SETUP='admin'
        fi
    fi
    case "${GRAPH_APP_SETUP}" in
        admin | pipeline) ;;
        *) die "GRAPH_APP_SETUP must be admin or pipeline, not '${GRAPH_APP_SETUP}'" ;;
    esac
}

in_pipeline() { [[ "${GRAPH_APP_SETUP}" == pipeline ]]; }

# Microsoft Graph REST call. --resource makes az request a token for GRAPH_ENDPOINT itself: az only
# attaches a token on its own for the hosts it knows (`az cloud show`), which leaves out e.g.
# dod-graph.microsoft.us (az rest --help, "--resource").
graph_rest() {
    in_pipeline && die "internal error: a Microsoft Graph call in pipeline mode"
    az rest --resource "${GRAPH_ENDPOINT}" "$@"
}

# The federation audience Entra ID expects for a managed identity's token, by cloud of AUTHORITY_HOST
# (learn.microsoft.com, workload-identity-federation-config-app-trust-managed-identity).
federation_audience() {
    local host
    host="$(printf '%s' "${AUTHORITY_HOST#https://}" | tr '[:upper:]' '[:lower:]')"
    case "${host%%/*}" in
        login.microsoftonline.us) printf 'api://AzureADTokenExchangeUSGov' ;;
        login.chinacloudapi.cn) printf 'api://AzureADTokenExchangeChina' ;;
        *) printf 'api://AzureADTokenExchange' ;;
    esac
}

# POSTs an app role assignment (JSON body $2) to the resource service principal $1; the last attempt's
# error text goes to file $3. A new service principal takes a few seconds to replicate: its "does not
# exist" errors are retried; any other error returns at once for the caller to judge.
assign_app_role() {
    local attempt
    for attempt in 1 2 3 4 5 6; do
        graph_rest --method POST --url "${GRAPH_ENDPOINT}/v1.0/servicePrincipals/$1/appRoleAssignedTo" \
            --headers 'Content-Type=application/json' --body "$2" -o none 2>"$3" && return 0
        ((attempt < 6)) && grep -Eqi 'does not exist|not found|Request_ResourceNotFound' "$3" || return 1
        sleep $((attempt * 5))
    done
}
