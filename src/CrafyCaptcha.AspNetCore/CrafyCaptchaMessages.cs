namespace CrafyCaptcha.AspNetCore;

/// <summary>
/// The resource type of the built-in failure messages, one per <see cref="CrafyCaptchaFailureKind"/> (named after the
/// kind), in English, es, fr, pt, de, it, ru, zh, ja and hi. They are read through
/// <c>IStringLocalizer&lt;CrafyCaptchaMessages&gt;</c> in the request's UI culture; an app may register its own
/// <c>IStringLocalizer&lt;CrafyCaptchaMessages&gt;</c> to add languages.
/// </summary>
public sealed class CrafyCaptchaMessages
{
    private CrafyCaptchaMessages()
    {
    }
}
