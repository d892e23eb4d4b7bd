# shellcheck shell=bash
# GRAPH_CREDENTIAL=keyVaultSecret: a client secret of the app registration, piped straight into Key Vault.
# The secret value is never printed, never in a variable or an argument, never on disk.

# graph-key-id tag of the current version of the secret, or empty. Read from the listing (metadata), so the
# value is never fetched, not even into az.
current_secret_key_id() {
    az keyvault secret list --vault-name "${AZURE_KEY_VAULT_NAME}" \
        --query "[?ends_with(id, '/secrets/${GRAPH_CLIENT_SECRET_NAME}')] | [0].tags.\"graph-key-id\"" -o tsv 2>/dev/null || true
}

# Whether the app registration still has the credential with keyId $1. $2: --cert for certificates.
app_has_credential() {
    local n
    n="$(az ad app credential list --id "${APP_ID}" ${2:+"$2"} --query "length([?keyId=='$1'])" -o tsv)"
    [[ "${n}" != "0" ]]
}

# After ROTATE_GRACE_SECONDS, removes the credential the rotation replaced. The app keeps using that one
# until Entra ID accepts the new value (it retries a refused one within 2 minutes), so the grace period must
# outlast Entra ID's propagation plus that. $1: its keyId (may be empty), $2: --cert for certificates.
remove_replaced_credential() {
    local old_key_id="$1" cert_flag="${2:-}"
    if [[ -z "${old_key_id}" ]]; then
        warn "the previous version had no graph-key-id tag: no credential removed. List them with
  az ad app credential list --id ${APP_ID} ${cert_flag} -o table   and delete stale ones by keyId."
        return 0
    fi
    [[ "${old_key_id}" != "${NEW_KEY_ID}" ]] || return 0
    if ((ROTATE_GRACE_SECONDS > 0)); then
        log "waiting ${ROTATE_GRACE_SECONDS}s before removing the previous credential"
        sleep "${ROTATE_GRACE_SECONDS}"
    fi
    if app_has_credential "${old_key_id}" "${cert_flag}"; then
        az ad app credential delete --id "${APP_ID}" --key-id "${old_key_id}" ${cert_flag:+"${cert_flag}"} --only-show-errors
        log "removed the previous credential ${old_key_id}"
    fi
}

# Writes stdin to the Key Vault secret, but only if stdin is not empty: if the credential reset
# failed, the vault would otherwise get an empty latest version that every instance then reads.
# Returns 3 for empty input (az printed no password), else az's status; az's errors go to $2.
vault_write_nonempty() {
    local first expires="$1" err="$2"
    IFS= read -r -n1 first || return 3
    [[ -n "${first}" ]] || return 3
    { printf '%s' "${first}"; cat; } |
        az keyvault secret set --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_SECRET_NAME}" \
            --file /dev/stdin --encoding utf-8 --content-type 'text/plain' --expires "${expires}" \
            --tags "graph-app-id=${APP_ID}" --query id -o none 2>"${err}"
}

# The keyId of the password credential named $1, or empty.
secret_key_id() {
    az ad app credential list --id "${APP_ID}" --query "[?displayName=='$1'].keyId | [0]" -o tsv
}

# Creates a credential and pipes its value straight into a new Key Vault secret version.
new_secret_into_vault() {
    local display_name end_date key_id reset_err="${WORK_DIR}/reset.err" vault_err="${WORK_DIR}/vault.err"
    local -a status
    display_name="graph-users-$(date -u '+%Y%m%dT%H%M%SZ')-${RANDOM}${RANDOM}" # unique: the keyId is found by it
    end_date="$(date_in_days "${GRAPH_CLIENT_SECRET_DAYS}")"

    # The password travels only through this pipe: az (stdout) -> tr -> az (stdin). No variable, no
    # argument, no file. `tr` strips the newline that `-o tsv` appends. Only az's error text goes to files.
    if ! az ad app credential reset --id "${APP_ID}" --append --display-name "${display_name}" \
        --end-date "${end_date}" --query password -o tsv --only-show-errors 2>"${reset_err}" |
        tr -d '\r\n' |
        vault_write_nonempty "${end_date}" "${vault_err}"; then
        status=("${PIPESTATUS[@]}")
        # Graph refused: no credential exists, the vault is untouched.
        if ((status[0] != 0)); then
            die_if_refused_by_policy "${reset_err}" secret
            cat "${reset_err}" >&2
            die "Microsoft Graph refused to add a client secret to app ${APP_ID} (az's message above); Key Vault was not touched"
        fi
        # Graph created the credential, but it did not reach the vault: do not leave it orphaned.
        cat "${vault_err}" >&2
        key_id="$(secret_key_id "${display_name}" || true)"
        if [[ -n "${key_id}" ]]; then
            az ad app credential delete --id "${APP_ID}" --key-id "${key_id}" --only-show-errors || true
            log "removed the new credential ${key_id} again: it never reached Key Vault"
        fi
        ((status[2] != 3)) || die "az created a client secret on app ${APP_ID} but printed no value; run the hook again"
        die "Key Vault ${AZURE_KEY_VAULT_NAME} refused the new client secret (az's message above): the signed-in principal needs Key Vault Secrets Officer on it (Bicep grants it to AZURE_PRINCIPAL_ID when GRANT_DEPLOYER_VAULT_OFFICER is true) and the vault must be reachable (keyVaultPublicNetworkAccess)"
    fi

    key_id="$(secret_key_id "${display_name}")"
    az keyvault secret set-attributes --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_SECRET_NAME}" \
        --tags "graph-app-id=${APP_ID}" "graph-key-id=${key_id}" "graph-credential=${display_name}" -o none
    log "stored a new client secret (keyId ${key_id}, expires ${end_date}) as Key Vault secret '${GRAPH_CLIENT_SECRET_NAME}'"
    NEW_KEY_ID="${key_id}"
}

ensure_secret() {
    local vault_key_id
    wait_for_vault_access secret
    vault_key_id="$(current_secret_key_id)"
    if [[ -n "${vault_key_id}" ]] && app_has_credential "${vault_key_id}"; then
        log "Key Vault secret '${GRAPH_CLIENT_SECRET_NAME}' matches live credential ${vault_key_id}; not creating a new one"
        return 0
    fi
    new_secret_into_vault
}

rotate_secret() {
    local old_key_id
    wait_for_vault_access secret
    old_key_id="$(current_secret_key_id)"
    new_secret_into_vault
    remove_replaced_credential "${old_key_id}"
}

# Pipeline check: the secret exists, is enabled and not expired (metadata only, Key Vault Reader). One
# string "enabled|expires": az's tsv would print a null inside a row as "None"; a missing secret gives "null|".
check_secret() {
    local state
    wait_for_vault_access secret
    state="$(az keyvault secret list --vault-name "${AZURE_KEY_VAULT_NAME}" \
        --query "[?ends_with(id, '/secrets/${GRAPH_CLIENT_SECRET_NAME}')] | [0] | join('|', [to_string(attributes.enabled), attributes.expires || ''])" \
        -o tsv)"
    check_vault_credential "Key Vault secret '${GRAPH_CLIENT_SECRET_NAME}'" "${state}" rotate-secret
}
