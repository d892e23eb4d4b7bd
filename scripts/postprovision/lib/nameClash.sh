# shellcheck shell=bash
# A registration the hook would create may not take a name another registration already has.
# The hook never adopts a registration by its name. Who created it, who owns it, what credentials it
# holds: nothing the hook could read proves the hook made it. Anyone in the tenant may register
# "graph-users-<env>" first, add a secret or a federated credential, own its service principal, add
# the administrator as an owner and leave; adopting it would then give them the Graph client's
# User.Read.All, or say who may call the API. A registration is reused only by the id the azd
# environment holds (GRAPH_CLIENT_ID / API_AUDIENCE: recorded when the hook creates it, or kept from the
# live app by preprovision), which an administrator sets after checking it.
#   By exact name: `az ad app list --display-name X` is a prefix search (azure-cli role/custom.py
#   list_applications filters startswith(displayName,'X')), so "X-legacy" would clash. An OData
#   `displayName eq` filter matches the name exactly (and, like Entra ID, in any case).

# Stops, before anything is changed, when a registration is named exactly $1, with what to check and the
# setting that adopts it ($2) or picks another name ($3).
refuse_name_clash() {
    local name="$1" id_setting="$2" name_setting="$3" ids id checklist=''
    # OData quotes a ' inside a string literal by doubling it.
    ids="$(az ad app list --filter "displayName eq '${name//\'/\'\'}'" --query '[].appId' -o tsv | tr -d '\r')"
    [[ -n "${ids}" ]] || return 0
    for id in ${ids}; do
        checklist+="
  ${id}:
    owners of the app and of its service principal (only people you trust):
      az ad app owner list --id ${id} -o table; az ad sp owner list --id ${id} -o table
    password and key credentials on both (none you did not add):
      az ad app credential list --id ${id}; az ad app credential list --id ${id} --cert
      az ad sp credential list --id ${id}; az ad sp credential list --id ${id} --cert
    federated credentials (none you did not add):
      az ad app federated-credential list --id ${id}
    who holds its app roles (appRoleAssignedTo) and which it holds (appRoleAssignments):
      az rest --resource ${GRAPH_ENDPOINT} --method GET --url \"${GRAPH_ENDPOINT}/v1.0/servicePrincipals(appId='${id}')/appRoleAssignedTo\"
      az rest --resource ${GRAPH_ENDPOINT} --method GET --url \"${GRAPH_ENDPOINT}/v1.0/servicePrincipals(appId='${id}')/appRoleAssignments\"
    if it is yours and all of the above is as it should be, adopt it deliberately:
      azd env set ${id_setting} ${id}"
    done
    die "an app registration named '${name}' already exists, and ${id_setting} names none. The hook does not adopt a registration by its name: anyone in the tenant may have created it, and whoever controls it would control this app. Nothing was changed. Check it:${checklist}
  Or have the hook create another: azd env set ${name_setting} <another name> (or use another azd environment name)"
}
