using System.Net;
using CrafyCaptcha.Shared;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Creates the flows (eo) the widget loads, for the options endpoint and for pages that carry their first eo: one
/// budget per client for both (each flow is a nonce in the store), one place that counts them.
/// </summary>
internal sealed class FlowIssuer(
    ICrafyCaptcha captcha,
    IOptions<CrafyCaptchaHttpOptions> options,
    IPolicyFlowOptions flowOptions,
    CrafyCaptchaMetrics metrics,
    ILogger<FlowIssuer> logger) : IDisposable
{
    private readonly ClientBudget _budget = new(options.Value.OptionsEndpointPermitsPerMinute);

    /// <summary>Spends one flow of <paramref name="client"/>'s budget; <see langword="false"/> when it is spent for this minute.</summary>
    public bool TryTake(IPAddress? client) => _budget.TryTake(client);

    /// <summary>
    /// A new flow for <paramref name="policy"/>, for the browser of <paramref name="httpContext"/>: bound to its
    /// visitor cookie (set now when it has none) unless the policy opts out.
    /// </summary>
    /// <exception cref="NonceStoreUnavailableException">The nonce store did not answer.</exception>
    public async ValueTask<string> CreateAsync(HttpContext httpContext, CrafyFlowPolicy policy, string policyName)
    {
        FlowOptions options = flowOptions.For(policy, policyName);
        if (policy.BindToVisitor)
        {
            options.Visitor = VisitorCookie.GetOrCreate(httpContext);
        }

        string eo = await captcha.CreateFlowAsync(options, httpContext.RequestAborted).ConfigureAwait(false);
        metrics.FlowCreated(policyName);
        return eo;
    }

    /// <summary>
    /// The first eo of a page's widget, or <see langword="null"/> (the widget then fetches it from the options endpoint,
    /// which answers with a clear error): when the client's budget is spent, the store does not answer, or the response
    /// has started (it could no longer be kept out of caches). An eo is single-use: the page that carries it is sent
    /// <c>Cache-Control: no-cache, no-store</c> and is never stored by ASP.NET Core's output cache.
    /// </summary>
    public async ValueTask<string?> TryCreateForPageAsync(HttpContext httpContext, CrafyFlowPolicy policy, string policyName)
    {
        if (httpContext.Response.HasStarted || !TryTake(httpContext.Connection.RemoteIpAddress))
        {
            return null;
        }

        string eo;
        try
        {
            eo = await CreateAsync(httpContext, policy, policyName).ConfigureAwait(false);
        }
        catch (NonceStoreUnavailableException ex)
        {
            Log.FlowStoreUnavailable(logger, ex);
            return null;
        }

        if (httpContext.Response.HasStarted)
        {
            return null;
        }

        httpContext.Response.Headers.CacheControl = "no-cache, no-store";
        httpContext.Response.Headers.Pragma = "no-cache";
        KeepOutOfOutputCache(httpContext);
        return eo;
    }

    /// <summary>
    /// A page made for this request (a single-use eo, its visitor's language build) must not be stored by ASP.NET Core's
    /// output cache: the cache ignores the response's <c>Cache-Control</c> and <c>Vary</c> and keys a page by its path.
    /// </summary>
    public static void KeepOutOfOutputCache(HttpContext httpContext)
    {
        if (httpContext.Features.Get<IOutputCacheFeature>() is { } outputCache)
        {
            outputCache.Context.AllowCacheStorage = false;
        }
    }

    public void Dispose() => _budget.Dispose();
}
