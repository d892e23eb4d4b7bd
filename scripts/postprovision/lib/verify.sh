# shellcheck shell=bash
# Checks that need no Microsoft Graph permission: the pipeline's view of the administrator's setup, and
# the deployed app's first real token (postdeploy).

# ensure, in a pipeline: everything an administrator must have done is there, or the run stops naming it.
check_pipeline_prerequisites() {
    [[ -n "${GRAPH_CLIENT_ID:-}" ]] ||
        die "GRAPH_CLIENT_ID is empty: the app registration does not exist for this environment yet. An administrator runs \`azd up\` (or \`bash scripts/postprovision/graph-app.sh ensure\`) once; the pipeline then keeps its id."
    APP_ID="${GRAPH_CLIENT_ID}"
    case "${GRAPH_CREDENTIAL}" in
        keyVaultSecret) check_secret ;;
        keyVaultCertificate) check_certificate ;;
        managedIdentity)
            require AZURE_MANAGED_IDENTITY_PRINCIPAL_ID
            log "the federated credential of app ${APP_ID} for identity ${AZURE_MANAGED_IDENTITY_PRINCIPAL_ID} cannot be read without a
  Microsoft Graph permission, which the pipeline does not have: the postdeploy check (graph-app.sh verify) proves it"
            ;;
    esac
    publish_client_id
    log "pipeline check done (no Microsoft Graph call was made)"
}

# Answers worth waiting for right after a deployment: the platform still starting the new code (no problem
# document, 404/5xx or no connection), transient upstream errors, role assignments still propagating
# (KeyVaultForbidden), Entra ID's signing keys not reachable yet (CallerAuthUnavailable), and Entra ID not
# yet honouring a new federated credential (AADSTS70021; the app's TokenFederatedCredentialMismatch) or key
# credential (AADSTS700027; TokenCertificateRejected). The app itself retries each of these briefly; this
# waits minutes.
verify_is_transient() {
    local status="$1" code="$2" body="$3"
    grep -Eq 'AADSTS(70021|700027)([^0-9]|$)' "${body}" && return 0
    if [[ -z "${code}" ]]; then
        [[ "${status}" =~ ^(000|404|429|500|502|503|504)$ ]]
        return
    fi
    [[ "${code}" =~ ^(TokenEndpointUnavailable|KeyVaultUnavailable|KeyVaultForbidden|GraphThrottled|GraphUnavailable|TokenFederatedCredentialMismatch|TokenCertificateRejected|CallerAuthUnavailable)$ ]]
}

# A string field of the problem document in $2 (flat JSON, as the app writes it), JSON escapes \" \\ \/ undone:
# the app's messages quote names and values.
problem_field() {
    sed -nE "s/.*\"$1\" *: *\"(([^\"\\\\]|\\\\.)*)\".*/\\1/p" "$2" | head -n 1 | sed -E 's/\\(["\\/])/\1/g'
}

# The fix docs/troubleshooting.md gives for an error code (the app's answers carry only the code: the
# details name internal values and stay in its log).
documented_fix() {
    local doc="${HOOK_DIR}/../../docs/troubleshooting.md"
    [[ -f "${doc}" ]] || return 0
    grep -m 1 -F "| \`$1\` |" "${doc}" | awk -F'|' '{ gsub(/^ +| +$/, "", $5); print $5 }'
}

# The caller credential as one curl config line, so it reaches curl on stdin and is never a process
# argument. Without API_AUDIENCE, the function key. With it, the routes take no key: the signed-in
# identity's Entra ID access token for the API (the hook gave the administrator its app role; a
# pipeline's identity is given it once, README "Assign the role").
verify_credential() {
    local function_key resource token
    if [[ -z "${API_AUDIENCE:-}" ]]; then
        function_key="$(az functionapp keys list -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
            --query functionKeys.default -o tsv)"
        [[ -n "${function_key}" ]] || die "${AZURE_FUNCTION_APP_NAME} has no default function key yet (is the code deployed?)"
        printf 'header = "x-functions-key: %s"\n' "${function_key}"
        return 0
    fi
    # The App ID URI when API_AUDIENCE lists one (az asks tokens by resource), else the client id.
    resource="$(printf '%s\n' "${API_AUDIENCE//,/$'\n'}" | grep -m 1 -E '^(api|https)://' || true)"
    resource="${resource:-${API_AUDIENCE%%,*}}"
    token="$(az account get-access-token --resource "${resource}" --query accessToken -o tsv 2>"${WORK_DIR}/token.err")" || {
        cat "${WORK_DIR}/token.err" >&2
        die "could not get an access token for the API (${resource}) as the signed-in identity. It needs the app role ${API_REQUIRED_ROLE:-Users.Read.All} on the API's registration (README, \"Assign the role\"); \`graph-app.sh ensure\` gives it to the administrator who runs it."
    }
    printf 'header = "Authorization: Bearer %s"\n' "${token}"
}

# postdeploy: calls GET /api/users?top=1 as a caller would (function key, or an Entra ID token when
# API_AUDIENCE is set), so the app gets its first Graph token with the real credential inside Azure (the
# only place a managed identity exists). Retries transient answers for up to
# GRAPH_APP_VERIFY_TIMEOUT_SECONDS; anything else fails the deployment with the app's own error code, the
# documented fix and the invocation id to find the details in its log. The credential goes to curl
# through stdin (never an argument) and is never printed; the response (user data) is never printed either.
verify_app() {
    local attempts attempt deadline status code credential fresh cached='' body="${WORK_DIR}/verify.body" url
    require AZURE_RESOURCE_GROUP AZURE_FUNCTION_APP_NAME SERVICE_API_URI
    [[ "${SERVICE_API_URI}" == https://* ]] || die "SERVICE_API_URI must be https, not '${SERVICE_API_URI}'"
    command -v curl >/dev/null 2>&1 || die "curl is required to verify the deployed app"
    url="${SERVICE_API_URI%/}/api/users?top=1"
    credential="$(verify_credential)"
    # Bounded twice: a number of attempts, and the deadline (a slow answer uses up time too).
    attempts=$((GRAPH_APP_VERIFY_TIMEOUT_SECONDS / (GRAPH_APP_VERIFY_INTERVAL_SECONDS > 0 ? GRAPH_APP_VERIFY_INTERVAL_SECONDS : 1)))
    ((attempts >= 1)) || attempts=1
    deadline=$((SECONDS + GRAPH_APP_VERIFY_TIMEOUT_SECONDS))
    for attempt in $(seq 1 "${attempts}"); do
        : >"${body}"
        # printf is a shell builtin: the credential reaches curl's stdin without ever being a process argument.
        status="$(printf '%s\n' "${credential}" |
            curl --config - --silent --proto '=https' --tlsv1.2 --max-time 30 \
                --output "${body}" --write-out '%{http_code}' "${url}")" || true
        status="${status:-000}"
        if [[ "${status}" == 200 ]]; then
            log "verified: GET /api/users answered 200 on attempt ${attempt}: the app got its Graph token (GRAPH_CREDENTIAL=${GRAPH_CREDENTIAL}) and read users"
            return 0
        fi
        code="$(problem_field code "${body}")"
        if [[ "${code}" == CallerForbidden && -n "${API_AUDIENCE:-}" ]]; then
            # A role granted moments ago is only in tokens issued after Entra ID saw it. az hands out its
            # cached token until it expires (up to about an hour), so right after a grant this usually fails
            # at once: only a new token (az's cache expired) can pass, the same one again cannot.
            fresh="$(verify_credential)"
            [[ "${fresh}" != "${credential}" ]] || break
            credential="${fresh}"
        elif ! verify_is_transient "${status}" "${code}" "${body}"; then
            break
        fi
        if ((attempt < attempts && SECONDS < deadline)); then
            log "GET /api/users answered ${status}${code:+ ${code}}; retrying in ${GRAPH_APP_VERIFY_INTERVAL_SECONDS}s (${attempt}/${attempts})"
            sleep "${GRAPH_APP_VERIFY_INTERVAL_SECONDS}"
        else
            break
        fi
    done
    if [[ -z "${code}" ]]; then
        die "the app is deployed, but GET /api/users answered ${status} without the app's problem document: check that the
  function app started (its logs in Application Insights) and that its function key works"
    fi
    [[ "${code}" != CallerForbidden ]] || cached="
  az keeps an access token until it expires (up to about an hour) and gives the same one back: one issued before
  the role was granted never carries it. For a role granted just now, this is the usual cause: clear az's cache
  (\`az account clear\`, then \`az login\`), then run \`azd hooks run postdeploy\`."
    die "the app is deployed, but GET /api/users answered ${status} ${code}: $(problem_field detail "${body}")
  Fix: $(documented_fix "${code}")${cached}
  invocationId $(problem_field invocationId "${body}") (the function logs hold the full message and fix under it; docs/troubleshooting.md lists every code)"
}
