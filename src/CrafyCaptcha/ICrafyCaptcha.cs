using System.Text.Json.Nodes;

namespace CrafyCaptcha;

/// <summary>
/// The CrafyCAPTCHA SDK: creates flows (zero round trips: the encrypted iframe options are made locally) and
/// verifies the captcha tokens that forms post back, locally, with replay protection. Thread-safe; register once.
/// </summary>
public interface ICrafyCaptcha
{
    /// <summary>
    /// Creates a flow: a fresh nonce stored as unused for <see cref="CrafyCaptchaOptions.FlowLifetime"/> (with the
    /// optional server-side context), and the options sealed for the challenge server.
    /// </summary>
    /// <param name="options">What the flow asks for; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The <c>encryptedIframeOptions</c> (<c>eo</c>) to hand to the browser widget.</returns>
    ValueTask<string> CreateFlowAsync(FlowOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Verifies a captcha token: envelope, signature, payload, status, expiry, nonce, optional context, the visitor of a
    /// bound flow, then consumes the nonce so the token works once. Never throws for bad input.
    /// </summary>
    /// <param name="token">The token the form posted (field <c>CrafyCAPTCHA_token</c>).</param>
    /// <param name="expectedContext">Keys the flow's stored context must carry with equal values, or <see langword="null"/>.</param>
    /// <param name="visitor">
    /// The identifier of the visitor that posted the token (the value given to <see cref="FlowOptions.Visitor"/> when the
    /// flow was created), or <see langword="null"/> when none is known. A flow created with a visitor is accepted only
    /// for the same one (<see cref="FlowFailure.WrongVisitor"/> otherwise); a flow created without one ignores it.
    /// </param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The outcome, with the reason when invalid.</returns>
    ValueTask<FlowVerification> VerifyFlowAsync(string? token, JsonObject? expectedContext = null, string? visitor = null, CancellationToken cancellationToken = default);
}
