/**
 * The host-level authorization of the HTTP routes. With `API_AUDIENCE` set, the caller's Entra ID
 * access token is the credential, checked in code, and no function key is asked for ('anonymous' to
 * the host): a key is one shared secret for every caller, names nobody, often travels in URLs
 * (`?code=`), and Microsoft advises other means than keys for production endpoints
 * (learn.microsoft.com/azure/azure-functions/function-keys-how-to). Without `API_AUDIENCE` the key
 * is the only guard ('function'). Read at registration: the host indexes the functions when the
 * worker starts, and changing an app setting restarts the app.
 */
export function httpAuthLevel(env: Readonly<Record<string, string | undefined>>): 'anonymous' | 'function' {
    return (env.API_AUDIENCE ?? '').trim() === '' ? 'function' : 'anonymous';
}
