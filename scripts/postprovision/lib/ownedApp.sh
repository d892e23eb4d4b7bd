# shellcheck shell=bash
# Finding the app registration the hook may adopt by name (the Graph client's and the API's).
#   - By exact name: `az ad app list --display-name X` is a prefix search (azure-cli
#     role/custom.py list_applications filters startswith(displayName,'X')), so a registration named
#     "X-legacy" would be taken. An OData `displayName eq` filter matches the name exactly.
#   - Only if the signed-in principal is its only owner. Any member of the tenant may register an app
#     with that name first, and whoever owns the registration decides who may call the API and what the
#     Graph client can do. `az ad app create` leaves its caller the only owner. "Among the owners" would
#     not do: an owner can add owners, so a squatter could add the administrator and stay. A tag or
#     note set at creation would prove nothing either: whoever creates an app may set any.
# Anything else stops the hook and asks for the app id, which the administrator checks and names.

# The object id of the principal az is signed in as (a user, or a pipeline's service principal).
signed_in_object_id() {
    if [[ "$(az account show --query user.type -o tsv)" == servicePrincipal ]]; then
        az ad sp show --id "$(az account show --query user.name -o tsv)" --query id -o tsv
    else
        az ad signed-in-user show --query id -o tsv
    fi
}

# OWNED_APP_ID := the appId of the registration named exactly $1 when the signed-in principal is its
# only owner, or empty when no registration has that name. Stops otherwise, naming the settings that
# pick a registration explicitly ($2) or another name ($3).
find_owned_app() {
    local name="$1" id_setting="$2" name_setting="$3" ids count me owners
    OWNED_APP_ID=''
    # OData quotes a ' inside a string literal by doubling it.
    ids="$(az ad app list --filter "displayName eq '${name//\'/\'\'}'" --query '[].appId' -o tsv)"
    count="$(printf '%s' "${ids}" | grep -c . || true)"
    ((count > 0)) || return 0
    if ((count > 1)); then
        die "${count} app registrations are named '${name}'; set ${id_setting} (azd env set ${id_setting} <appId>) to pick one"
    fi
    me="$(signed_in_object_id)"
    owners="$(az ad app owner list --id "${ids}" --query '[].id' -o tsv)"
    if [[ "$(printf '%s' "${owners}" | tr -d '\r' | grep -c .)" != 1 || "$(printf '%s' "${owners}" | tr -d '\r\n')" != "${me}" ]]; then
        die "an app registration named '${name}' (${ids}) exists, but the signed-in principal (${me}) is not its only owner: it was not created by this hook for you, and whoever owns it controls it. Check it in the Entra admin center (App registrations > ${ids} > Owners); if it is yours to use, set ${id_setting} (azd env set ${id_setting} ${ids}), or set ${name_setting} to have the hook create another"
    fi
    # shellcheck disable=SC2034 # read by the caller
    OWNED_APP_ID="${ids}"
}
