using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
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

    private readonly IFlowVerdict _verdict;
    private readonly CrafyCaptchaHttpOptions _options;
    private readonly CrafyCaptchaMetrics _metrics;
    private readonly ILogger _logger;

    public CrafyCaptchaRequestVerifier(
        IFlowVerdict verdict,
        IOptions<CrafyCaptchaHttpOptions> options,
        CrafyCaptchaMetrics metrics,
        ILogger<CrafyCaptchaRequestVerifier> logger)
    {
        _verdict = verdict;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>The recorded result, verifying first when nothing has verified this request yet.</summary>
    /// <exception cref="InvalidOperationException">The policy was never added.</exception>
    /// <exception cref="BadHttpRequestException">The request claims a form body that cannot be read.</exception>
    public async ValueTask<ICrafyCaptchaFeature> VerifyAsync(HttpContext httpContext, string? policyName)
    {
        if (httpContext.Features.Get<ICrafyCaptchaFeature>() is { } recorded)
        {
            return recorded;
        }

        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        CrafyFlowPolicy policy = Policy(name);
        string? token = await ReadTokenAsync(httpContext, policy).ConfigureAwait(false);
        FlowVerification verification = await VerifyTokenAsync(token, name, policy, VisitorCookie.Read(httpContext), httpContext.RequestAborted).ConfigureAwait(false);
        var feature = new CrafyCaptchaFeature(name, verification);
        httpContext.Features.Set<ICrafyCaptchaFeature>(feature);
        return feature;
    }

    /// <summary>
    /// Verifies a token given directly (an interactive-Server Blazor form, which has no request of its own; its visitor
    /// is the one of the circuit's connection): the same verdict, metrics and logs as a request's token. Consumes the token.
    /// </summary>
    /// <exception cref="InvalidOperationException">The policy was never added.</exception>
    public ValueTask<FlowVerification> VerifyTokenAsync(string? token, string? policyName, string? visitor, CancellationToken cancellationToken)
    {
        string name = policyName ?? CrafyCaptchaHttpOptions.DefaultPolicyName;
        return VerifyTokenAsync(token, name, Policy(name), visitor, cancellationToken);
    }

    private CrafyFlowPolicy Policy(string name)
    {
        if (!_options.TryGetPolicy(name, out CrafyFlowPolicy policy))
        {
            Log.UnknownPolicy(_logger, name);
            throw new InvalidOperationException($"The CrafyCaptcha policy '{name}' was never added. Add it with AddCrafyCaptcha().AddFlowPolicy(\"{name}\", ...).");
        }

        return policy;
    }

    private async ValueTask<FlowVerification> VerifyTokenAsync(string? token, string name, CrafyFlowPolicy policy, string? visitor, CancellationToken cancellationToken)
    {
        FlowVerification verification = await _verdict.VerifyAsync(token, name, policy, visitor, cancellationToken).ConfigureAwait(false);
        _metrics.Verified(name, verification);
        if (verification.IsValid)
        {
            Log.Accepted(_logger, name, verification.RiskScore);
        }
        else
        {
            Log.Rejected(_logger, name, CrafyCaptchaErrorCodes.For(verification.Failure), verification.Failure);
        }

        return verification;
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
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A body that claims to be a form and is not one (multipart without a boundary, an unknown charset, a
            // broken section, past the form limits) is the client's error, never a configuration error.
            // Kestrel's own status (413 body too large, 408 too slow) is kept.
            throw new BadHttpRequestException("The request body could not be read as a form.", ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status400BadRequest, ex);
        }

        string field = policy.FormFieldName;
        string? renamed = OnlyValue(form[FieldNameField]);
        if (renamed is not null && IsNumberedVariant(renamed, field))
        {
            field = renamed;
        }

        return OnlyValue(form[field]);
    }

    /// <summary>
    /// The one non-empty value of a field, or <see langword="null"/>: a form can post a field more than once (an empty
    /// input of the page's own beside the widget's), and a joined "a,b" is never a token. Two different non-empty values
    /// are none (which one the person meant is unknown: the verification fails as missing).
    /// </summary>
    private static string? OnlyValue(StringValues values)
    {
        string? only = null;
        foreach (string? value in values)
        {
            if (string.IsNullOrEmpty(value) || value == only)
            {
                continue;
            }

            if (only is not null)
            {
                return null;
            }

            only = value;
        }

        return only;
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
