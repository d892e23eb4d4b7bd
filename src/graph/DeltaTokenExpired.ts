/**
 * How Graph said a delta token can no longer be used: 400 `syncStateNotFound` (the token is older
 * than about 7 days), 410 Gone (with a `Location` to start over from), an error coded
 * `resyncRequired`, or (`rejected`) a 400/404 to the very first request from a stored deltaLink.
 */
export type DeltaExpiryAnswer = 'syncStateNotFound' | 'gone' | 'resyncRequired' | 'rejected';

/**
 * Not a failure: Graph cannot continue from this delta token, and the caller must start over
 * with a full read. Carries no URL: a deltaLink is a bearer-grade cursor.
 */
export class DeltaTokenExpired extends Error {
    readonly answer: DeltaExpiryAnswer;
    readonly requestId: string | undefined;

    constructor(answer: DeltaExpiryAnswer, requestId: string | undefined) {
        super(`Graph can no longer answer from the stored delta token (${answer}).`);
        this.name = 'DeltaTokenExpired';
        this.answer = answer;
        this.requestId = requestId;
    }
}
