# shellcheck shell=bash
# The app settings that name the app registration and its credential, kept across provisions.
#
# Every `azd provision` rewrites ALL app settings: the sites/config 'appsettings' resource replaces the
# whole set (functions-app-settings, "App setting considerations": ARM templates "replace the existing
# application settings"). Their values come from the azd environment through main.parameters.json, and
# azd omits a parameter whose variable is unset (Bicep default '') or passes '' for a set, empty one
# (pkg/infra/provisioning/bicep/bicep_provider.go, loadParameters). In CI `.azure/` is fresh, so without
# this step a pipeline's provision would write GRAPH_CLIENT_ID='' (and the default GRAPH_CREDENTIAL) to the
# live app. The preprovision hook therefore copies the live value into the azd environment when the
# environment has none: azd reloads its environment after every hook (pkg/ext/hooks_runner.go) and
# resolves the parameters only afterwards, in the deployment plan.

readonly PINNED_SETTINGS=(GRAPH_CLIENT_ID GRAPH_CREDENTIAL GRAPH_TENANT_ID AUTHORITY_HOST GRAPH_ENDPOINT GRAPH_CLIENT_SECRET_NAME GRAPH_CLIENT_CERTIFICATE_NAME API_AUDIENCE API_REQUIRED_ROLE)

azd_env_set() {
    azd env set ${AZURE_ENV_NAME:+-e "${AZURE_ENV_NAME}"} "$1" "$2" >/dev/null
}

# LIVE_APP_NAME / LIVE_APP_GROUP of the environment's function app, or empty when it does not exist yet.
# By the azd outputs when present, else by the tags azd itself finds services by (azd-env-name and
# azd-service-name), which also works in a fresh CI environment.
locate_function_app() {
    local rows count
    LIVE_APP_NAME='' LIVE_APP_GROUP=''
    if [[ -n "${AZURE_FUNCTION_APP_NAME:-}" && -n "${AZURE_RESOURCE_GROUP:-}" ]]; then
        LIVE_APP_NAME="${AZURE_FUNCTION_APP_NAME}" LIVE_APP_GROUP="${AZURE_RESOURCE_GROUP}"
        return 0
    fi
    require AZURE_ENV_NAME
    rows="$(az resource list --tag "azd-env-name=${AZURE_ENV_NAME}" ${AZURE_SUBSCRIPTION_ID:+--subscription "${AZURE_SUBSCRIPTION_ID}"} \
        --query "[?type=='Microsoft.Web/sites' && tags.\"azd-service-name\"=='api'].[name, resourceGroup]" -o tsv 2>"${WORK_DIR}/list.err")" || {
        cat "${WORK_DIR}/list.err" >&2
        die "could not look for the function app of azd environment '${AZURE_ENV_NAME}' (az login? subscription?): refusing to provision without knowing its live settings"
    }
    count="$(printf '%s' "${rows}" | grep -c . || true)"
    ((count <= 1)) || die "${count} function apps are tagged azd-env-name=${AZURE_ENV_NAME}, azd-service-name=api; remove the stray one"
    if ((count == 1)); then
        IFS=$'\t' read -r LIVE_APP_NAME LIVE_APP_GROUP <<<"${rows}"
    fi
}

# Reads the pinned settings of the live app as "NAME<TAB>VALUE" lines. Empty output: no live app.
read_live_settings() {
    local names err="${WORK_DIR}/settings.err"
    names="$(printf "'%s'," "${PINNED_SETTINGS[@]}")"
    if az functionapp config appsettings list -g "${LIVE_APP_GROUP}" -n "${LIVE_APP_NAME}" \
        ${AZURE_SUBSCRIPTION_ID:+--subscription "${AZURE_SUBSCRIPTION_ID}"} \
        --query "[?contains([${names%,}], name)].[name, value]" -o tsv 2>"${err}"; then
        return 0
    fi
    # The outputs may name an app that has been deleted since: that is a first provision again.
    grep -Eqi 'ResourceNotFound|ResourceGroupNotFound|could not be found|was not found' "${err}" && return 0
    cat "${err}" >&2
    die "could not read the app settings of ${LIVE_APP_NAME}: refusing to provision, which would overwrite them unseen (GRAPH_CLIENT_ID could be blanked). The signed-in identity needs Contributor (or Website Contributor) on the app."
}

# Writes NAME=VALUE into the azd environment for the provision that follows, and checks it stuck.
azd_env_keep() {
    local name="$1" live="$2" stored
    command -v azd >/dev/null 2>&1 || die "${name} is set on the live app but not here, and azd is missing to keep it"
    azd_env_set "${name}" "${live}"
    stored="$(azd env get-values ${AZURE_ENV_NAME:+-e "${AZURE_ENV_NAME}"} | grep -E "^${name}=" | tail -n 1 || true)"
    [[ "${stored}" == "${name}=\"${live}\"" ]] ||
        die "could not keep ${name}=${live} in the azd environment: refusing to provision, which would change it on the live app"
    printf -v "${name}" '%s' "${live}"
    log "kept ${name}=${live} from the live app (the azd environment had no value)"
}

# The live app's resource group. main.parameters.json passes AZURE_RESOURCE_GROUP as resourceGroupName, and an
# empty one makes main.bicep use rg-<env>: a fresh CI environment would then provision a second copy of an
# environment an administrator put in a group of their own.
keep_resource_group() {
    if [[ -z "${AZURE_RESOURCE_GROUP:-}" ]]; then
        azd_env_keep AZURE_RESOURCE_GROUP "${LIVE_APP_GROUP}"
    elif [[ "$(lowercase "${AZURE_RESOURCE_GROUP}")" != "$(lowercase "${LIVE_APP_GROUP}")" ]]; then
        # An administrator's run too: two copies of one azd environment share its app registration and
        # settings, and azd would go on deploying to one of them only.
        die "AZURE_RESOURCE_GROUP is '${AZURE_RESOURCE_GROUP}', but the function app of azd environment '${AZURE_ENV_NAME:-}' lives in '${LIVE_APP_GROUP}':
  the provision would create a second copy of the environment there. Unset AZURE_RESOURCE_GROUP (or the pipeline's variable), or set it to '${LIVE_APP_GROUP}'; for a copy elsewhere, use another azd environment name (azd env new), or remove the old one first (azd down)."
    fi
}

# One pinned setting: an empty azd value takes the live one; a different one is an administrator's change.
keep_setting() {
    local name="$1" live="$2" wanted="${!1:-}"
    if [[ -z "${wanted}" ]]; then
        azd_env_keep "${name}" "${live}"
    elif [[ "${wanted%/}" != "${live%/}" ]]; then
        in_pipeline && die "${name} would change from '${live}' to '${wanted}'. A pipeline never changes how the app signs in:
  an administrator runs \`azd env set ${name} ${wanted}\` and \`azd provision\` (the hook adapts the app
  registration), then the pipeline follows the live app again. Unset the pipeline's ${name} variable."
        log "changing ${name} from '${live}' to '${wanted}' (administrator run)"
    fi
}

preserve_live_settings() {
    local rows name live
    locate_function_app
    if [[ -n "${LIVE_APP_NAME}" ]]; then
        rows="$(read_live_settings)"
    fi
    if [[ -z "${rows:-}" ]]; then
        in_pipeline && die "azd environment '${AZURE_ENV_NAME:-}' has no function app with settings yet. The first provision is an administrator's:
  they run \`azd up\` once (the hook creates the app registration, which needs a Microsoft Graph role), then
  the pipeline takes over (CONTRIBUTING.md, \"Deploying from GitHub Actions\")."
        log "first provision of azd environment '${AZURE_ENV_NAME:-}': no live settings to keep"
        return 0
    fi
    keep_resource_group
    while IFS=$'\t' read -r name live; do
        [[ -n "${name}" && -n "${live}" ]] || continue
        keep_setting "${name}" "${live}"
    done <<<"${rows}"
    if in_pipeline && [[ -z "${GRAPH_CLIENT_ID:-}" ]]; then
        die "the live app ${LIVE_APP_NAME} has no GRAPH_CLIENT_ID: an administrator runs \`azd provision\` (or \`bash scripts/postprovision/graph-app.sh ensure\`) first"
    fi
    log "live settings of ${LIVE_APP_NAME} kept for this provision"
}

# NAME=VALUE on the function app (at once, before the next provision) and in the azd environment (so the
# next provision keeps it).
publish_setting() {
    local current
    current="$(az functionapp config appsettings list -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
        --query "[?name=='$1'].value | [0]" -o tsv)"
    if [[ "${current}" != "$2" ]]; then
        az functionapp config appsettings set -g "${AZURE_RESOURCE_GROUP}" -n "${AZURE_FUNCTION_APP_NAME}" \
            --settings "$1=$2" -o none
        log "set $1=$2 on ${AZURE_FUNCTION_APP_NAME}"
    fi
    remember_setting "$1" "$2"
}

# NAME=VALUE in the azd environment only (when azd is there): e.g. a new registration's id, recorded the
# moment it exists, so a run that stops before publishing it finds it by id next time, not by name.
remember_setting() {
    if command -v azd >/dev/null 2>&1; then
        azd_env_set "$1" "$2"
    fi
}

publish_client_id() {
    publish_setting GRAPH_CLIENT_ID "${APP_ID}"
}
