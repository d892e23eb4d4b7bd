# shellcheck shell=bash
# GRAPH_CREDENTIAL=keyVaultCertificate: a certificate generated inside Key Vault, whose public part is
# registered on the app registration as a key credential. The private key is created by Key Vault and read
# only by the app (GET {vault}/secrets/{name}); this hook never asks for it.

# Key Vault certificate policy (the same for every version):
# - RSA 3072, a new key for every version (reuseKey false), so a rotation really replaces the key;
# - exportable: the app reads certificate and key from the certificate's secret; a non-exportable key
#   would leave that secret without the private key;
# - PEM (application/x-pem-file): Node reads PEM natively, with no PKCS#12 password question; the app
#   also reads application/x-pkcs12, Key Vault's default, for certificates made elsewhere;
# - no AutoRenew: Key Vault would create a version whose public key is not registered on the app, and the
#   app, which reads the latest version, would stop getting tokens. Renewal is `rotate-certificate`;
#   Key Vault e-mails its certificate contacts 30 days before expiry.
write_certificate_policy() {
    local subject
    subject="$(printf '%s' "${GRAPH_APP_DISPLAY_NAME}" | tr -cd 'A-Za-z0-9 ._-')"
    cat >"$1" <<JSON
{
  "issuerParameters": { "name": "Self" },
  "keyProperties": { "exportable": true, "keyType": "RSA", "keySize": 3072, "reuseKey": false },
  "secretProperties": { "contentType": "application/x-pem-file" },
  "x509CertificateProperties": {
    "subject": "CN=${subject:-graph-users}",
    "validityInMonths": ${GRAPH_CLIENT_CERTIFICATE_MONTHS},
    "keyUsage": ["digitalSignature"],
    "ekus": ["1.3.6.1.5.5.7.3.2"]
  },
  "lifetimeActions": [{ "trigger": { "daysBeforeExpiry": 30 }, "action": { "actionType": "EmailContacts" } }]
}
JSON
}

# "enabled|expires|exportable|graph-key-id" of the certificate's current version, or empty if there is none.
certificate_state() {
    local err="${WORK_DIR}/cert.err"
    if az keyvault certificate show --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_CERTIFICATE_NAME}" \
        --query "join('|', [to_string(attributes.enabled), attributes.expires || '', to_string(policy.keyProperties.exportable), tags.\"graph-key-id\" || ''])" \
        -o tsv 2>"${err}"; then
        return 0
    fi
    grep -qi 'NotFound' "${err}" && return 0
    cat "${err}" >&2
    die "could not read Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' in ${AZURE_KEY_VAULT_NAME}"
}

die_if_not_exportable() {
    [[ "$1" == true ]] && return 0
    die "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' has a non-exportable key: its secret holds no private key, so the app cannot sign with it.
  Use another certificate name (a deleted one stays reserved while purge protection holds it):
    azd env set GRAPH_CLIENT_CERTIFICATE_NAME <new-name> && azd provision"
}

# Creates a new version of the certificate inside Key Vault and waits until it is issued.
create_certificate_version() {
    local attempt status err="${WORK_DIR}/cert.err"
    write_certificate_policy "${WORK_DIR}/policy.json"
    if ! az keyvault certificate create --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_CERTIFICATE_NAME}" \
        --policy "@${WORK_DIR}/policy.json" --tags "graph-app-id=${APP_ID}" -o none 2>"${err}"; then
        cat "${err}" >&2
        die "could not create Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' (Key Vault Certificates Officer needed; public network access enabled?)"
    fi
    for attempt in $(seq 1 30); do
        status="$(az keyvault certificate pending show --vault-name "${AZURE_KEY_VAULT_NAME}" \
            --name "${GRAPH_CLIENT_CERTIFICATE_NAME}" --query status -o tsv 2>/dev/null || printf completed)"
        [[ "${status}" != inProgress ]] && break
        ((attempt < 30)) || die "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' is still being issued; run the hook again later"
        sleep 2
    done
    [[ "${status}" == completed ]] || die "Key Vault could not issue certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' (status ${status})"
    log "created a new version of Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' (the private key never left the vault)"
}

# Registers the public part of the certificate's current version on the app registration (az reads the
# certificate, not its secret, from Key Vault) and tags the version with the key credential's keyId.
register_certificate() {
    local display_name expires key_id err="${WORK_DIR}/reset.err"
    display_name="graph-users-cert-$(date -u '+%Y%m%dT%H%M%SZ')-${RANDOM}${RANDOM}" # unique: the keyId is found by it
    expires="$(az keyvault certificate show --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_CERTIFICATE_NAME}" \
        --query attributes.expires -o tsv)"
    if ! az ad app credential reset --id "${APP_ID}" --append --keyvault "${AZURE_KEY_VAULT_NAME}" \
        --cert "${GRAPH_CLIENT_CERTIFICATE_NAME}" --end-date "${expires}" --display-name "${display_name}" \
        --only-show-errors -o none 2>"${err}"; then
        die_if_refused_by_policy "${err}" certificate
        cat "${err}" >&2
        die "could not register certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' on app ${APP_ID}"
    fi
    key_id="$(az ad app credential list --id "${APP_ID}" --cert --query "[?displayName=='${display_name}'].keyId | [0]" -o tsv)"
    [[ -n "${key_id}" ]] || die "the certificate was registered on app ${APP_ID}, but its key credential '${display_name}' was not found"
    az keyvault certificate set-attributes --vault-name "${AZURE_KEY_VAULT_NAME}" --name "${GRAPH_CLIENT_CERTIFICATE_NAME}" \
        --tags "graph-app-id=${APP_ID}" "graph-key-id=${key_id}" "graph-credential=${display_name}" -o none
    log "registered certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' on the app (keyId ${key_id}, expires ${expires})"
    # shellcheck disable=SC2034 # read by remove_replaced_credential
    NEW_KEY_ID="${key_id}"
}

ensure_certificate() {
    local state enabled expires exportable key_id days
    wait_for_vault_access certificate
    state="$(certificate_state)"
    if [[ -z "${state}" ]]; then
        create_certificate_version
        register_certificate
        return 0
    fi
    IFS='|' read -r enabled expires exportable key_id <<<"${state}"
    die_if_not_exportable "${exportable}"
    days="$(days_until "${expires}")"
    if [[ "${enabled}" != true ]] || { [[ -n "${days}" ]] && ((days < 0)); }; then
        # Nothing can use the current version: replace it at once, no grace period needed.
        log "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' is disabled or expired: creating a new version"
        create_certificate_version
        register_certificate
        ROTATE_GRACE_SECONDS=0 remove_replaced_credential "${key_id}" --cert
    elif [[ -n "${key_id}" ]] && app_has_credential "${key_id}" --cert; then
        log "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' matches live key credential ${key_id}; nothing to do"
    else
        register_certificate
    fi
}

rotate_certificate() {
    local state old_key_id
    wait_for_vault_access certificate
    state="$(certificate_state)"
    [[ -n "${state}" ]] || die "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}' does not exist yet: run \`bash scripts/postprovision/graph-app.sh ensure\`"
    old_key_id="${state##*|}"
    create_certificate_version
    register_certificate
    remove_replaced_credential "${old_key_id}" --cert
}

# Pipeline check: the certificate exists, has an exportable key, is enabled and not expired (certificate
# metadata only, Key Vault Reader).
check_certificate() {
    local state exportable
    wait_for_vault_access certificate
    state="$(certificate_state)"
    [[ -n "${state}" ]] || state='null|'
    IFS='|' read -r _ _ exportable _ <<<"${state}"
    [[ "${state}" == null* ]] || die_if_not_exportable "${exportable}"
    check_vault_credential "Key Vault certificate '${GRAPH_CLIENT_CERTIFICATE_NAME}'" "${state%|*|*}" rotate-certificate
}
