# shellcheck shell=bash
# GRAPH_CREDENTIAL=managedIdentity: the app registration trusts the function's user-assigned identity as a
# federated identity credential; the app presents the identity's token as its client assertion, so no
# secret or certificate exists anywhere. The rules (learn.microsoft.com,
# workload-identity-federation-config-app-trust-managed-identity): issuer {authority}/{tenant}/v2.0,
# subject = the identity's object (principal) id, audience by cloud; user-assigned identities of the same
# tenant only; at most 20 per app. Wrong values are accepted at creation and only fail at token time
# (AADSTS70021 / AADSTS700213), so this hook derives them instead of asking for them.

readonly MAX_FEDERATED_CREDENTIALS=20

# Writes the federated credential's JSON to $1. Every value is a GUID, a URL or a sanitised name.
write_federated_credential() {
    cat >"$1" <<JSON
{
  "name": "$2",
  "issuer": "$3",
  "subject": "$4",
  "description": "Managed identity ${AZURE_MANAGED_IDENTITY_NAME} of the graph-users function app (graph-app.sh)",
  "audiences": ["$5"]
}
JSON
}

ensure_federated_credential() {
    local issuer subject audience name existing count attempt action
    require AZURE_MANAGED_IDENTITY_PRINCIPAL_ID AZURE_MANAGED_IDENTITY_NAME AZURE_TENANT_ID
    [[ "${AZURE_MANAGED_IDENTITY_PRINCIPAL_ID}" =~ ${GUID_PATTERN} ]] ||
        die "AZURE_MANAGED_IDENTITY_PRINCIPAL_ID '${AZURE_MANAGED_IDENTITY_PRINCIPAL_ID}' is not an object id (run \`azd provision\`)"
    [[ "${AZURE_TENANT_ID}" =~ ${GUID_PATTERN} ]] || die "AZURE_TENANT_ID '${AZURE_TENANT_ID}' is not a tenant id (run \`azd provision\`)"
    if [[ "${GRAPH_TENANT_ID}" =~ ${GUID_PATTERN} ]] && [[ "$(lowercase "${GRAPH_TENANT_ID}")" != "$(lowercase "${AZURE_TENANT_ID}")" ]]; then
        die "managedIdentity needs the managed identity and the app registration in one tenant, but the identity is in ${AZURE_TENANT_ID} and GRAPH_TENANT_ID is ${GRAPH_TENANT_ID}. Use keyVaultSecret or keyVaultCertificate for another tenant."
    fi

    # The identity's tokens are issued by the tenant it lives in, at the cloud's authority.
    issuer="${AUTHORITY_HOST%/}/${AZURE_TENANT_ID}/v2.0"
    subject="${AZURE_MANAGED_IDENTITY_PRINCIPAL_ID}"
    audience="$(federation_audience)"
    name="$(printf '%s' "graph-users-${AZURE_MANAGED_IDENTITY_NAME}" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-120)"

    existing="$(az ad app federated-credential list --id "${APP_ID}" \
        --query "[?issuer=='${issuer}' && subject=='${subject}'].join('|', [name, join(',', audiences)]) | [0]" -o tsv)"
    if [[ -n "${existing}" && ",${existing#*|}," == *",${audience},"* ]]; then
        log "federated credential '${existing%%|*}' already trusts managed identity ${AZURE_MANAGED_IDENTITY_NAME} (${subject}) for ${audience}"
        return 0
    fi
    if [[ -n "${existing}" ]]; then
        name="${existing%%|*}" # right issuer and subject, wrong audience (e.g. AUTHORITY_HOST changed cloud)
    fi

    write_federated_credential "${WORK_DIR}/fic.json" "${name}" "${issuer}" "${subject}" "${audience}"
    if [[ -n "$(az ad app federated-credential list --id "${APP_ID}" --query "[?name=='${name}'].name | [0]" -o tsv)" ]]; then
        # Same name, other values: the identity was re-created, or the cloud or tenant changed.
        az ad app federated-credential update --id "${APP_ID}" --federated-credential-id "${name}" \
            --parameters "@${WORK_DIR}/fic.json" -o none
        action=updated
    else
        count="$(az ad app federated-credential list --id "${APP_ID}" --query 'length(@)' -o tsv)"
        ((count < MAX_FEDERATED_CREDENTIALS)) ||
            die "app ${APP_ID} already has ${count} federated credentials, Entra ID's maximum: delete one it no longer needs (az ad app federated-credential list --id ${APP_ID})"
        az ad app federated-credential create --id "${APP_ID}" --parameters "@${WORK_DIR}/fic.json" -o none
        action=created
    fi

    # Graph reads are eventually consistent: wait until the credential can be read back as written.
    for attempt in $(seq 1 12); do
        count="$(az ad app federated-credential list --id "${APP_ID}" \
            --query "length([?issuer=='${issuer}' && subject=='${subject}' && contains(audiences, '${audience}')])" -o tsv)"
        [[ "${count}" == 0 ]] || break
        ((attempt < 12)) || die "federated credential '${name}' was ${action} on app ${APP_ID} but cannot be read back; run the hook again"
        sleep "${GRAPH_READ_RETRY_SECONDS:-5}"
    done
    log "${action} federated credential '${name}': app ${APP_ID} trusts managed identity ${AZURE_MANAGED_IDENTITY_NAME} (issuer ${issuer}, subject ${subject}, audience ${audience})"
    log "Entra ID can take a few minutes to honour a new federated credential (AADSTS70021 meanwhile). The identity
  only exists inside Azure, so its first token cannot be tried from here: after \`azd deploy\`, the postdeploy
  step (graph-app.sh verify) calls the app and retries while Entra ID still answers AADSTS70021."
}

# managedIdentity needs no secret, certificate or vault: name what an earlier mode left behind. A provision
# deploys incrementally and never deletes, so a vault made in a Key Vault mode stays, with the credential in it
# and its role assignments, after a switch to managedIdentity.
report_leftover_credentials() {
    local passwords certificates vaults
    passwords="$(az ad app credential list --id "${APP_ID}" --query 'length(@)' -o tsv)"
    certificates="$(az ad app credential list --id "${APP_ID}" --cert --query 'length(@)' -o tsv)"
    if ((passwords + certificates > 0)); then
        warn "app ${APP_ID} still has ${passwords} client secret(s) and ${certificates} certificate(s), probably from an
  earlier GRAPH_CREDENTIAL mode. managedIdentity uses none of them: once \`bash scripts/postprovision/graph-app.sh verify\`
  passes, delete them (az ad app credential list --id ${APP_ID} [--cert] -o table;
  az ad app credential delete --id ${APP_ID} --key-id <keyId> [--cert]), and any old Key Vault."
    fi
    vaults="$(az keyvault list -g "${AZURE_RESOURCE_GROUP}" --query '[].name' -o tsv 2>/dev/null | tr '\n' ' ' || true)"
    vaults="${vaults% }"
    if [[ -n "${vaults}" ]]; then
        warn "Key Vault(s) ${vaults} in ${AZURE_RESOURCE_GROUP}, from an earlier GRAPH_CREDENTIAL mode, still hold that mode's
  credential, and their role assignments still let the function's identity (Key Vault Secrets User) and the
  deploying administrator (a vault officer role) use it. managedIdentity uses none of it: once
  \`bash scripts/postprovision/graph-app.sh verify\` passes, delete the credential and the vault
  (az keyvault delete -n <name>; purge protection keeps it recoverable for its retention period)."
    fi
}
