using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Verifies the request's token once and records the result as an <see cref="ICrafyCaptchaFeature"/>; every filter
/// reads that one result, since a second verification would find the nonce consumed.
/// </summary>
internal sealed class CrafyCaptchaRequestVerifier
{
    /// <summary>The hidden field the tag helper writes when it had to rename a token field (several widgets on a page).</summary>
    internal const string FieldNameField = "CrafyCAPTCHA_field";

    private readonly ICrafyCaptcha _captcha;
    private readonly CrafyCaptchaHttpOptions _options;
    private readonly CrafyCaptchaMetrics _metrics;
    private readonly ILogger _logger;
    private readonly FlowFailure? _testVerdict;

    public CrafyCaptchaRequestVerifier(
        ICrafyCaptcha captcha,
        IOptions<CrafyCaptchaHttpOptions> options,
        IOptions<CrafyCaptchaOptions> captchaOptions,
        CrafyCaptchaMetrics metrics,
        ILogger<CrafyCaptchaRequestVerifier> logger)
    {
        _captcha = captcha;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
        _testVerdict = captchaOptions.Value.SecretKey switch
        {
            CrafyCaptchaTestCredentials.AlwaysFailsSecretKey => FlowFailure.BadSignature,
            CrafyCaptchaTestCredentials.AlwaysSpentSecretKey => FlowFailure.NonceNotFound,
            CrafyCaptchaTestCredentials.AlwaysPassesSecretKey or CrafyCaptchaTestCredentials.ForcesPuzzleSecretKey => FlowFailure.None,
            _ => null,
        };
        if (_testVerdict is not null)
        {
            Log.TestCredentialsInUse(logger, captchaOptions.Value.SecretKey!);
        }
    }

    /// <summary>The recorded result, verifying first when nothing has verified this request yet.</summary>
    /// <exception cref="InvalidOperationException">The policy was never added.</exception>
    public async ValueTask<ICrafyCaptchaFeature> VerifyAsync(HttpContext httpContext, string? policyName)
    {
        if (httpContext.Features.Get<ICrafyCaptchaFeature>() is { } recorded)
        {
            return recorded;
        }

        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        if (!_options.TryGetPolicy(name, out CrafyFlowPolicy policy))
        {
            Log.UnknownPolicy(_logger, name);
            throw new InvalidOperationException($"The CrafyCaptcha policy '{name}' was never added. Add it with AddCrafyCaptcha().AddFlowPolicy(\"{name}\", ...).");
        }

        string? token = await ReadTokenAsync(httpContext, policy).ConfigureAwait(false);
        FlowVerification verification;
        if (_testVerdict is { } verdict)
        {
            verification = string.IsNullOrEmpty(token) ? FlowVerification.Failed(FlowFailure.MissingToken)
                : verdict == FlowFailure.None ? FlowVerification.Success(0, null, DateTimeOffset.MaxValue, "{}")
                : FlowVerification.Failed(verdict);
        }
        else
        {
            var expected = new JsonObject { [CrafyCaptchaHttpOptions.PolicyContextKey] = name };
            verification = await _captcha.VerifyFlowAsync(token, expected, httpContext.RequestAborted).ConfigureAwait(false);
            if (verification.IsValid && verification.RiskScore > policy.MaxRiskScore)
            {
                verification = FlowVerification.Failed(FlowFailure.RiskTooHigh, verification.RiskScore, verification.FlowToken, verification.ExpiresAt, verification.PayloadJson);
            }
        }

        _metrics.Verified(name, verification);
        if (verification.IsValid)
        {
            Log.Accepted(_logger, name, verification.RiskScore);
        }
        else
        {
            Log.Rejected(_logger, name, CrafyCaptchaErrorCodes.For(verification.Failure), verification.Failure);
        }

        var feature = new CrafyCaptchaFeature(name, verification);
        httpContext.Features.Set<ICrafyCaptchaFeature>(feature);
        return feature;
    }

    private async ValueTask<string?> ReadTokenAsync(HttpContext httpContext, CrafyFlowPolicy policy)
    {
        string? header = httpContext.Request.Headers[_options.HeaderName];
        if (!string.IsNullOrEmpty(header))
        {
            return header;
        }

        if (!httpContext.Request.HasFormContentType)
        {
            return null;
        }

        IFormCollection form;
        try
        {
            form = await httpContext.Request.ReadFormAsync(httpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException)
        {
            return null;
        }

        string field = policy.FormFieldName;
        string? renamed = form[FieldNameField];
        if (renamed is not null && IsNumberedVariant(renamed, field))
        {
            field = renamed;
        }

        return form[field];
    }

    private static bool IsNumberedVariant(string candidate, string field)
        => candidate.Length > field.Length + 1
            && candidate.StartsWith(field, StringComparison.Ordinal)
            && candidate[field.Length] == '_'
            && candidate.AsSpan(field.Length + 1).IndexOfAnyExceptInRange('0', '9') < 0;

    internal static bool IsProtectedMethod(string method)
        => HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    internal static ICrafyCaptchaMetadata? Metadata(HttpContext httpContext, IReadOnlyList<object>? fallback = null)
    {
        ICrafyCaptchaMetadata? metadata = httpContext.GetEndpoint()?.Metadata.GetMetadata<ICrafyCaptchaMetadata>();
        if (metadata is null && fallback is not null)
        {
            for (int i = fallback.Count - 1; i >= 0; i--)
            {
                if (fallback[i] is ICrafyCaptchaMetadata found)
                {
                    return found;
                }
            }
        }

        return metadata;
    }
}
