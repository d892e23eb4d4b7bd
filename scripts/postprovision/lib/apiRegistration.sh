# shellcheck shell=bash
# The API's own app registration: what callers of the function's HTTP API get tokens for, and the app
# role they must hold. Administrator only: every call here needs a Microsoft Graph directory role.
#
# A registration of its own (the one API_AUDIENCE names, else a new one named API_APP_DISPLAY_NAME, default
# "graph-users-<env>-api", never one found by that name: lib/nameClash.sh), apart from the
# Graph client (GRAPH_CLIENT_ID): it holds no credential and no Graph permission, and who may call the
# API is managed on it alone (Enterprise applications > the API > Users and groups).
#   - App ID URI api://<appId>; v2 access tokens (the app accepts v1 too).
#   - App role API_REQUIRED_ROLE (default Users.Read.All) for Application and User members.
#   - Delegated scope user_impersonation, pre-authorized for the Azure CLI, so a user who holds the role
#     can call with `az account get-access-token --resource api://<appId>` and no consent prompt.
#   - Its service principal requires assignment: Entra ID issues tokens for the API only to principals
#     that were given the role.
#   - The app role for the administrator running the hook (API_GRANT_DEPLOYER=false: not), so the
#     postdeploy check can call the API as they do.
#   - API_AUDIENCE="<appId>,api://<appId>" on the function app and in the azd environment, where the next
#     `azd provision` (which rewrites every app setting from Bicep) reads it back; preserve-settings keeps
#     the live value for a pipeline (lib/liveSettings.sh).
# API_REGISTRATION=skip leaves all of this alone (the function key alone then guards the API).

readonly AZURE_CLI_APP_ID='04b07795-8ddb-461a-bbee-02f9e1bf7b46' # Azure CLI's well-known client id
readonly API_SCOPE='user_impersonation'

# A random (version 4) UUID for a new app role or scope id.
new_uuid() {
    local h
    h="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s-%s-4%s-%x%s-%s' "${h:0:8}" "${h:8:4}" "${h:13:3}" $(((16#${h:16:1} & 3) | 8)) "${h:17:3}" "${h:20:12}"
}

# A JSON array ($1, as az prints it) with one element ($2) appended; JSON strings hold no raw newline.
json_append() {
    local array
    array="$(printf '%s' "$1" | tr -d '\n')"
    array="${array%"${array##*[![:space:]]}"}"
    if [[ -z "${array}" || "${array}" =~ ^\[[[:space:]]*\]$ || "${array}" == null ]]; then
        printf '[%s]' "$2"
    else
        printf '%s, %s]' "${array%]}" "$2"
    fi
}

# API_REQUIRED_ROLE goes into a JMESPath query and a JSON body: hold it to the app's own rule
# (src/config/readSettings.ts APP_ROLE, Entra ID's characters for an app role value), which leaves out
# spaces, " and \, so the value needs no JSON escaping; the query escapes its '.
require_app_role_value() {
    local LC_ALL=C
    [[ "${API_REQUIRED_ROLE}" =~ ^[]A-Za-z0-9!#\$%\&\'()*+,./:\;\<=\>?@[^_\`{|}~-]{1,120}$ ]] ||
        die "API_REQUIRED_ROLE must be an app role value: 1 to 120 letters, digits and the characters !#\$%&'()*+,-./:;<=>?@[]^_\`{|}~ (no spaces, \" or \\)"
}

api_query() { az ad app show --id "${API_APP_ID}" --query "$1" -o "${2:-tsv}"; }

ensure_api_registration() {
    local object_id role_id scope_id roles scopes preauth body
    local -a uris
    : "${API_APP_DISPLAY_NAME:=graph-users-${AZURE_ENV_NAME:-app}-api}"
    : "${API_REQUIRED_ROLE:=Users.Read.All}"
    require_app_role_value
    API_APP_ID="${API_AUDIENCE:-}"
    API_APP_ID="${API_APP_ID%%,*}"
    if [[ -n "${API_APP_ID}" ]] && az ad app show --id "${API_APP_ID}" --query appId -o tsv >/dev/null 2>&1; then
        log "reusing the API app registration ${API_APP_ID} (API_AUDIENCE)"
    else
        refuse_name_clash "${API_APP_DISPLAY_NAME}" API_AUDIENCE API_APP_DISPLAY_NAME
        API_APP_ID="$(az ad app create --display-name "${API_APP_DISPLAY_NAME}" --sign-in-audience AzureADMyOrg --query appId -o tsv)"
        # The value publish_api_audience writes; the function app gets it at the end of the run.
        API_AUDIENCE="${API_APP_ID},api://${API_APP_ID}"
        remember_setting API_AUDIENCE "${API_AUDIENCE}"
        log "created the API app registration '${API_APP_DISPLAY_NAME}' (${API_APP_ID}); API_AUDIENCE recorded in the azd environment"
    fi
    object_id="$(api_query id)"

    # App ID URI: added next to any an administrator set.
    if ! api_query 'identifierUris[]' | grep -qxF "api://${API_APP_ID}"; then
        mapfile -t uris < <(api_query 'identifierUris[]')
        az ad app update --id "${API_APP_ID}" --identifier-uris "${uris[@]}" "api://${API_APP_ID}" --only-show-errors
        log "set the App ID URI api://${API_APP_ID}"
    fi

    # The app role and the delegated scope, found by value (their ids stay stable once created).
    # A JMESPath raw string literal escapes ' as \'; the role's value holds no " or \ (see above).
    role_id="$(api_query "appRoles[?value=='${API_REQUIRED_ROLE//\'/\\\'}'].id | [0]")"
    scope_id="$(api_query "api.oauth2PermissionScopes[?value=='${API_SCOPE}'].id | [0]")"
    roles="$(api_query appRoles json)"
    scopes="$(api_query api.oauth2PermissionScopes json)"
    if [[ -z "${role_id}" ]]; then
        role_id="$(new_uuid)"
        roles="$(json_append "${roles}" "{\"id\":\"${role_id}\",\"value\":\"${API_REQUIRED_ROLE}\",\"allowedMemberTypes\":[\"Application\",\"User\"],\"displayName\":\"Read the directory's users\",\"description\":\"Call the graph-users API: list users and download the users export.\",\"isEnabled\":true}")"
    fi
    if [[ -z "${scope_id}" ]]; then
        scope_id="$(new_uuid)"
        scopes="$(json_append "${scopes}" "{\"id\":\"${scope_id}\",\"value\":\"${API_SCOPE}\",\"type\":\"User\",\"isEnabled\":true,\"adminConsentDisplayName\":\"Call the graph-users API as the signed-in user\",\"adminConsentDescription\":\"Lets the application call the graph-users API for the signed-in user, who also needs its app role.\",\"userConsentDisplayName\":\"Call the graph-users API as you\",\"userConsentDescription\":\"Lets the application call the graph-users API for you.\"}")"
    fi
    if [[ "${roles}${scopes}" != "$(api_query appRoles json)$(api_query api.oauth2PermissionScopes json)" ||
        "$(api_query api.requestedAccessTokenVersion)" != 2 ]]; then
        body="{\"appRoles\":${roles},\"api\":{\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":${scopes}}}"
        printf '%s' "${body}" >"${WORK_DIR}/api-app.json"
        graph_rest --method PATCH --url "${GRAPH_ENDPOINT}/v1.0/applications/${object_id}" \
            --headers 'Content-Type=application/json' --body "@${WORK_DIR}/api-app.json" -o none
        log "the API app registration exposes the app role ${API_REQUIRED_ROLE} (applications and users) and the scope ${API_SCOPE}, with v2 tokens"
    fi

    # The Azure CLI may ask for tokens for the scope without a consent prompt (a scope must exist first).
    if [[ "$(api_query "length(api.preAuthorizedApplications[?appId=='${AZURE_CLI_APP_ID}'])")" == "0" ]]; then
        preauth="$(json_append "$(api_query api.preAuthorizedApplications json)" "{\"appId\":\"${AZURE_CLI_APP_ID}\",\"delegatedPermissionIds\":[\"${scope_id}\"]}")"
        scopes="$(api_query api.oauth2PermissionScopes json)"
        printf '%s' "{\"api\":{\"requestedAccessTokenVersion\":2,\"oauth2PermissionScopes\":${scopes},\"preAuthorizedApplications\":${preauth}}}" >"${WORK_DIR}/api-preauth.json"
        graph_rest --method PATCH --url "${GRAPH_ENDPOINT}/v1.0/applications/${object_id}" \
            --headers 'Content-Type=application/json' --body "@${WORK_DIR}/api-preauth.json" -o none
        log "pre-authorized the Azure CLI for ${API_SCOPE}"
    fi

    API_SP_ID="$(az ad sp list --filter "appId eq '${API_APP_ID}'" --query '[0].id' -o tsv)"
    if [[ -z "${API_SP_ID}" ]]; then
        API_SP_ID="$(az ad sp create --id "${API_APP_ID}" --query id -o tsv)"
        log "created the API's service principal ${API_SP_ID}"
    fi
    if [[ "$(az ad sp show --id "${API_APP_ID}" --query appRoleAssignmentRequired -o tsv)" != true ]]; then
        az ad sp update --id "${API_APP_ID}" --set appRoleAssignmentRequired=true --only-show-errors
        log "the API's service principal now requires an app role assignment"
    fi
    API_ROLE_ID="${role_id}"
}

# API_AUDIENCE, like GRAPH_CLIENT_ID: on the function app and in the azd environment. One that already
# names this registration first is kept as the administrator wrote it.
publish_api_audience() {
    local wanted="${API_APP_ID},api://${API_APP_ID}"
    [[ "${API_AUDIENCE:-}" == "${API_APP_ID}" || "${API_AUDIENCE:-}" == "${API_APP_ID},"* ]] && wanted="${API_AUDIENCE}"
    publish_setting API_AUDIENCE "${wanted}"
    log "callers now need an Entra ID token with ${API_REQUIRED_ROLE}; assign the app role to a caller (an application's service principal or a user):
  az rest --resource ${GRAPH_ENDPOINT} --method POST --url ${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${API_SP_ID}/appRoleAssignedTo \\
    --body '{\"principalId\":\"<caller object id>\",\"resourceId\":\"${API_SP_ID}\",\"appRoleId\":\"${API_ROLE_ID}\"}'"
}

# The object id of the principal az is signed in as (a user, or a pipeline's service principal).
# After `az login --identity`, user.name is only the literal systemAssignedIdentity/userAssignedIdentity
# (azure-cli profile.py, login_with_managed_identity), not an id Graph can look up.
signed_in_object_id() {
    local name
    if [[ "$(az account show --query user.type -o tsv)" == servicePrincipal ]]; then
        name="$(az account show --query user.name -o tsv)"
        if [[ "${name}" == systemAssignedIdentity || "${name}" == userAssignedIdentity ]]; then
            die "az is signed in with a managed identity (az login --identity), whose object id az cannot name: the hook cannot give it ${API_REQUIRED_ROLE} on the API. Set API_GRANT_DEPLOYER=false (azd env set API_GRANT_DEPLOYER false) and assign the role to the identity yourself, or run the hook signed in as a user or service principal"
        fi
        az ad sp show --id "${name}" --query id -o tsv
    else
        az ad signed-in-user show --query id -o tsv
    fi
}

# The app role for the principal `az` is signed in as (a user, or a pipeline's service principal).
grant_api_role_to_deployer() {
    local me assigned err_file="${WORK_DIR}/api-grant.err"
    me="$(signed_in_object_id)"
    assigned="$(graph_rest --method GET --url "${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${API_SP_ID}/appRoleAssignedTo" \
        --query "length(value[?principalId=='${me}' && appRoleId=='${API_ROLE_ID}'])" -o tsv)"
    if [[ "${assigned}" == 0 ]]; then
        if ! assign_app_role "${API_SP_ID}" "{\"principalId\":\"${me}\",\"resourceId\":\"${API_SP_ID}\",\"appRoleId\":\"${API_ROLE_ID}\"}" "${err_file}"; then
            cat "${err_file}" >&2
            die "could not give ${API_REQUIRED_ROLE} on the API to the signed-in principal ${me}; set API_GRANT_DEPLOYER=false to skip it"
        fi
        log "gave ${API_REQUIRED_ROLE} on the API to the signed-in principal ${me}, for the postdeploy check"
    fi
    # Said on every run: a standing right to read the whole directory should not go unnoticed.
    warn "the signed-in principal ${me} holds ${API_REQUIRED_ROLE} on the API (${API_APP_ID}): it can read every user through the API until the assignment is removed. The postdeploy check (verify) calls the API with it. Once verify passed, remove it if you should not keep it (Enterprise applications > ${API_APP_ID} > Users and groups), or:
  az rest --resource ${GRAPH_ENDPOINT} --method DELETE --url \"${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${API_SP_ID}/appRoleAssignedTo/\$(az rest --resource ${GRAPH_ENDPOINT} --method GET --url ${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${API_SP_ID}/appRoleAssignedTo --query \"value[?principalId=='${me}' && appRoleId=='${API_ROLE_ID}'].id | [0]\" -o tsv)\"
  and set API_GRANT_DEPLOYER=false (azd env set API_GRANT_DEPLOYER false), or the next run gives it back; verify then needs a caller you gave the role yourself."
}

# ensure (administrator): the API registration, the role for the deployer, and API_AUDIENCE.
ensure_api() {
    if [[ "${API_REGISTRATION:-}" == skip ]]; then
        warn "API_REGISTRATION=skip: API_AUDIENCE is left as it is; without it the function key alone guards the API, and it names no caller."
        return 0
    fi
    ensure_api_registration
    [[ "${API_GRANT_DEPLOYER:-true}" == false ]] || grant_api_role_to_deployer
    publish_api_audience
}

# ensure (pipeline): no Graph call; API_AUDIENCE is whatever the administrator's run set (kept by preserve-settings).
check_api_audience() {
    if [[ -z "${API_AUDIENCE:-}" && "${API_REGISTRATION:-}" != skip ]]; then
        warn "API_AUDIENCE is empty: the function key alone guards the API. An administrator runs \`azd provision\` (or \`bash scripts/postprovision/graph-app.sh ensure\`) once to create the API registration."
    fi
}
