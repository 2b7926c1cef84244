namespace CrafyCaptcha.AspNetCore;

/// <summary>Endpoint metadata saying whether an endpoint requires a captcha, and under which policy.</summary>
public interface ICrafyCaptchaMetadata
{
    /// <summary><see langword="true"/> when the endpoint requires a valid token (on unsafe methods).</summary>
    bool RequiresCaptcha { get; }

    /// <summary>The policy name; <see langword="null"/> for the default policy.</summary>
    string? PolicyName { get; }
}
