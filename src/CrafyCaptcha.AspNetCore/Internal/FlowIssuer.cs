using System.Net;
using CrafyCaptcha.Shared;
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

    /// <summary>A new flow for <paramref name="policy"/>.</summary>
    /// <exception cref="NonceStoreUnavailableException">The nonce store did not answer.</exception>
    public async ValueTask<string> CreateAsync(CrafyFlowPolicy policy, string policyName, CancellationToken cancellationToken)
    {
        string eo = await captcha.CreateFlowAsync(flowOptions.For(policy, policyName), cancellationToken).ConfigureAwait(false);
        metrics.FlowCreated(policyName);
        return eo;
    }

    /// <summary>
    /// The first eo of a page's widget, or <see langword="null"/> (the widget then fetches it from the options endpoint,
    /// which answers with a clear error): when the client's budget is spent or the store does not answer.
    /// </summary>
    public async ValueTask<string?> TryCreateForPageAsync(HttpContext httpContext, CrafyFlowPolicy policy, string policyName)
    {
        if (!TryTake(httpContext.Connection.RemoteIpAddress))
        {
            return null;
        }

        try
        {
            return await CreateAsync(policy, policyName, httpContext.RequestAborted).ConfigureAwait(false);
        }
        catch (NonceStoreUnavailableException ex)
        {
            Log.FlowStoreUnavailable(logger, ex);
            return null;
        }
    }

    public void Dispose() => _budget.Dispose();
}
