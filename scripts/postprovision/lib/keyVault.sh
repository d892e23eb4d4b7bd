# shellcheck shell=bash
# Key Vault data-plane helpers shared by the secret and the certificate modes.

# Role assignments take minutes to propagate after `azd provision`: wait until this principal can use the
# vault data plane before a credential is created (so it never has to be thrown away). $1: secret or
# certificate, the object kind the caller's role covers (Certificates Officer cannot list secrets).
wait_for_vault_access() {
    local kind="$1" attempt
    for attempt in $(seq 1 30); do
        if az keyvault "${kind}" list --vault-name "${AZURE_KEY_VAULT_NAME}" --maxresults 1 -o none 2>"${WORK_DIR}/kv.err"; then
            return 0
        fi
        if ((attempt == 1)); then
            log "waiting for Key Vault data-plane access to ${AZURE_KEY_VAULT_NAME} (role assignment propagation)"
        fi
        sleep "${VAULT_ACCESS_RETRY_SECONDS:-10}"
    done
    cat "${WORK_DIR}/kv.err" >&2
    if in_pipeline; then
        die "no data-plane access to Key Vault ${AZURE_KEY_VAULT_NAME}: the pipeline's identity needs Key Vault Reader on it (Bicep grants it to AZURE_PRINCIPAL_ID when GRANT_DEPLOYER_VAULT_OFFICER is false) and the vault must be reachable (keyVaultPublicNetworkAccess)"
    fi
    die "no data-plane access to Key Vault ${AZURE_KEY_VAULT_NAME}: the signed-in principal needs the vault officer role for GRAPH_CREDENTIAL=${GRAPH_CREDENTIAL} (Bicep grants it to AZURE_PRINCIPAL_ID when GRANT_DEPLOYER_VAULT_OFFICER is true) and the vault must be reachable (keyVaultPublicNetworkAccess)"
}

# Graph's refusals under a tenant's app management policy. `az ad app credential reset` prints only Graph's
# error.message, never its code (azure-cli role/_msgrpah/_graph_client.py: GraphError(error['message']),
# printed by knack as "ERROR: <message>"); `az rest` prints the code. Match both, case-insensitively.
readonly POLICY_REFUSES_TYPE='CredentialTypeNotAllowedAsPerAppPolicy|Credential type not allowed as per assigned policy'
readonly POLICY_REFUSES_LIFETIME='CredentialInvalidLifetimeAsPerAppPolicy|lifetime exceeds the max value allowed as per assigned policy'

# Stops with the fix when Graph refused a credential because of the tenant's app management policy: the kind
# of credential (passwordAddition / keyAddition restrictions) or its lifetime (passwordLifetime /
# asymmetricKeyLifetime). $1: the az error file, $2: secret or certificate.
die_if_refused_by_policy() {
    local err="$1" kind="$2"
    if grep -Eqi "${POLICY_REFUSES_LIFETIME}" "${err}"; then
        cat "${err}" >&2
        if [[ "${kind}" == secret ]]; then
            die "your tenant's app management policy allows client secrets only for a shorter lifetime than GRAPH_CLIENT_SECRET_DAYS=${GRAPH_CLIENT_SECRET_DAYS} (CredentialInvalidLifetimeAsPerAppPolicy).
  Ask your Entra ID administrator for the policy's maximum, then:
    azd env set GRAPH_CLIENT_SECRET_DAYS <fewer than ${GRAPH_CLIENT_SECRET_DAYS}>
    azd provision"
        fi
        die "your tenant's app management policy allows certificates only for a shorter lifetime than GRAPH_CLIENT_CERTIFICATE_MONTHS=${GRAPH_CLIENT_CERTIFICATE_MONTHS} (CredentialInvalidLifetimeAsPerAppPolicy).
  The new Key Vault certificate version is not registered; the app keeps using an earlier registered version, if
  there is one, while Entra ID accepts it. Ask your Entra ID administrator for the policy's maximum, then create a shorter-lived version:
    azd env set GRAPH_CLIENT_CERTIFICATE_MONTHS <fewer than ${GRAPH_CLIENT_CERTIFICATE_MONTHS}>
    bash scripts/postprovision/graph-app.sh rotate-certificate"
    fi
    grep -Eqi "${POLICY_REFUSES_TYPE}" "${err}" || return 0
    cat "${err}" >&2
    die "your tenant's app management policy refuses this kind of credential (CredentialTypeNotAllowedAsPerAppPolicy).
  Use the function's managed identity instead: it is trusted by the app registration as a federated
  credential, so no secret or certificate exists anywhere:
    azd env set GRAPH_CREDENTIAL managedIdentity
    azd provision
  (README, \"Deploy to Azure\", managedIdentity mode.)"
}

# Checks, from metadata only, that the administrator's credential is usable: exists, enabled, not expired.
# $1: what (for messages), $2: "enabled|expires" ("null|" when missing), $3: the graph-app.sh mode that
# renews it.
check_vault_credential() {
    local what="$1" enabled="${2%%|*}" expires="${2#*|}" renew="$3" days
    [[ "${enabled}" == true || "${enabled}" == false ]] ||
        die "${what} does not exist. Only an administrator can create it (it needs a Microsoft Graph permission the pipeline does not have): bash scripts/postprovision/graph-app.sh ensure"
    [[ "${enabled}" == true ]] ||
        die "${what} is disabled. An administrator enables it or writes a new version: bash scripts/postprovision/graph-app.sh ${renew}"
    days="$(days_until "${expires}")"
    if [[ -n "${days}" ]] && ((days < 0)); then
        die "${what} expired on ${expires}. An administrator renews it: bash scripts/postprovision/graph-app.sh ${renew}"
    fi
    if [[ -n "${days}" ]] && ((days < 30)); then
        warn "${what} expires in ${days} day(s) (${expires}). An administrator should renew it soon: bash scripts/postprovision/graph-app.sh ${renew}"
    fi
    log "${what} is present and enabled${expires:+ (expires ${expires})}"
}
