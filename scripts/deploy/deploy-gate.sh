#!/usr/bin/env bash
# The deploy workflow's gate (.github/workflows/deploy.yml), run before anything is provisioned:
#   - deploys only main's newest commit: a late CI run, or a re-run of an old one, would otherwise deploy
#     an older commit over a newer one. When main has moved on it skips (deploy=false) with a notice.
#   - a manual run (workflow_dispatch) deploys only main, and only a commit on which CI (ci.yml) passed,
#     the same promise a run after CI keeps.
# Environment: DEPLOY_SHA (the commit to deploy), DEPLOY_EVENT (github.event_name), DEPLOY_REF (github.ref),
# GITHUB_REPOSITORY, GITHUB_OUTPUT, GH_TOKEN (contents: read and actions: read suffice). Main is read through
# the REST API, which also works for a private repository without the checkout's persisted credentials.
set -euo pipefail
: "${DEPLOY_SHA:?}" "${DEPLOY_EVENT:?}" "${GITHUB_REPOSITORY:?}" "${GITHUB_OUTPUT:?}"

if [[ "${DEPLOY_EVENT}" == workflow_dispatch ]]; then
    if [[ "${DEPLOY_REF:-}" != refs/heads/main ]]; then
        echo "::error::a manual deployment deploys main only, not '${DEPLOY_REF:-}': start it on main"
        exit 1
    fi
    passed="$(gh run list --repo "${GITHUB_REPOSITORY}" --workflow ci.yml --commit "${DEPLOY_SHA}" --status success --json databaseId --jq length)"
    if ! [[ "${passed}" =~ ^[1-9][0-9]*$ ]]; then
        echo "::error::CI (ci.yml) has not passed on ${DEPLOY_SHA}: a commit is deployed only after CI passed on it. Wait for CI (a run after it deploys on its own), or re-run it"
        exit 1
    fi
fi

main="$(gh api "repos/${GITHUB_REPOSITORY}/git/ref/heads/main" --jq .object.sha)"
if ! [[ "${main}" =~ ^[0-9a-f]{40}$ ]]; then
    echo "::error::could not read the commit main points at (got '${main}')"
    exit 1
fi
if [[ "${main}" != "${DEPLOY_SHA}" ]]; then
    echo "::notice::main has moved on to ${main}: not deploying the older ${DEPLOY_SHA}. The run for main's newest commit deploys it once CI passed on it"
    echo deploy=false >>"${GITHUB_OUTPUT}"
else
    echo "deploying ${DEPLOY_SHA}, main's newest commit"
    echo deploy=true >>"${GITHUB_OUTPUT}"
fi
