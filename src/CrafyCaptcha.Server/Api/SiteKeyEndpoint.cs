using CrafyCaptcha.Server.Credentials;
using CrafyCaptcha.Server.Protocol;

namespace CrafyCaptcha.Server.Api;

/// <summary><c>GET {base}/api/turnstile_site_key.php?pk=…</c>: the signed document naming the credential's Turnstile site key (<c>null</c> without Turnstile), with CORS.</summary>
internal sealed class SiteKeyEndpoint(CredentialStore credentials)
{
    public IResult Handle(HttpContext http)
    {
        http.Response.Headers.AccessControlAllowOrigin = "*";
        ServedCredential? credential = credentials.FindByPublicKey(http.Request.Query["pk"]);
        if (credential is null)
        {
            return TypedResults.Json(new SiteKeyResponse("error", "Unknown public key.", null), ChallengeJson.Default.SiteKeyResponse, statusCode: StatusCodes.Status404NotFound);
        }

        SignedMessage message = ChallengeMessages.SiteKey(credential);
        return TypedResults.Json(new SiteKeyResponse("success", null, new SiteKeyData(message.Payload, message.Signature)), ChallengeJson.Default.SiteKeyResponse);
    }
}
