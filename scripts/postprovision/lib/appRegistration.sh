# shellcheck shell=bash
# The app registration, its service principal, and Microsoft Graph User.Read.All (application) with admin
# consent. Administrator only: every call here needs a Microsoft Graph directory role.

readonly GRAPH_APP_ID='00000003-0000-0000-c000-000000000000' # Microsoft Graph's well-known appId
readonly GRAPH_PERMISSION='User.Read.All'

# The registration GRAPH_CLIENT_ID names, else a new one (never one found by name: lib/nameClash.sh).
ensure_app_registration() {
    if [[ -n "${GRAPH_CLIENT_ID:-}" ]] && az ad app show --id "${GRAPH_CLIENT_ID}" --query appId -o tsv >/dev/null 2>&1; then
        APP_ID="${GRAPH_CLIENT_ID}"
        log "reusing app registration ${APP_ID} (GRAPH_CLIENT_ID)"
    else
        refuse_name_clash "${GRAPH_APP_DISPLAY_NAME}" GRAPH_CLIENT_ID GRAPH_APP_DISPLAY_NAME
        APP_ID="$(az ad app create --display-name "${GRAPH_APP_DISPLAY_NAME}" \
            --sign-in-audience AzureADMyOrg --query appId -o tsv)"
        remember_setting GRAPH_CLIENT_ID "${APP_ID}"
        log "created app registration '${GRAPH_APP_DISPLAY_NAME}' (${APP_ID}); GRAPH_CLIENT_ID recorded in the azd environment"
    fi

    SP_ID="$(az ad sp list --filter "appId eq '${APP_ID}'" --query '[0].id' -o tsv)"
    if [[ -z "${SP_ID}" ]]; then
        SP_ID="$(az ad sp create --id "${APP_ID}" --query id -o tsv)"
        log "created service principal ${SP_ID}"
    fi
}

# Microsoft Graph User.Read.All (application), granted as an app role assignment (what admin consent creates).
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
    assigned="$(graph_rest --method GET \
        --url "${GRAPH_ENDPOINT}/v1.0/servicePrincipals/${SP_ID}/appRoleAssignments" \
        --query "length(value[?appRoleId=='${role_id}' && resourceId=='${graph_sp_id}'])" -o tsv)"
    if [[ "${assigned}" != "0" ]]; then
        log "${GRAPH_PERMISSION} already granted (admin consent present)"
        CONSENT_OK=true
        return 0
    fi

    body="{\"principalId\":\"${SP_ID}\",\"resourceId\":\"${graph_sp_id}\",\"appRoleId\":\"${role_id}\"}"
    err_file="${WORK_DIR}/grant.err" # error text of az rest only (no credentials); removed on exit
    if assign_app_role "${graph_sp_id}" "${body}" "${err_file}"; then
        log "granted ${GRAPH_PERMISSION} (application) with admin consent"
        CONSENT_OK=true
        return 0
    fi
    if grep -Eqi 'Forbidden|Authorization_RequestDenied|Insufficient privileges|403' "${err_file}"; then
        # shellcheck disable=SC2034 # read by graph-app.sh
        CONSENT_OK=false
        warn "You lack the directory role to grant admin consent (403 on appRoleAssignedTo).
  ${GRAPH_PERMISSION} needs Privileged Role Administrator, Cloud Application Administrator or Global
  Administrator. Ask an administrator to open this URL and accept:

    ${CONSENT_URL_BASE}/${GRAPH_TENANT_ID}/adminconsent?client_id=${APP_ID}

  or to run: az ad app permission admin-consent --id ${APP_ID}
  Until then GET /api/users answers 502 GraphConsentMissing (Graph: Authorization_RequestDenied)."
        return 0
    fi
    cat "${err_file}" >&2
    die "could not grant ${GRAPH_PERMISSION}"
}
