using CrafyCaptcha.AspNetCore.Internal;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Adds the CrafyCaptcha middleware.</summary>
public static class CrafyCaptchaApplicationBuilderExtensions
{
    /// <summary>
    /// Enforces <c>[RequireCrafyCaptcha]</c> endpoint metadata the way <c>UseAntiforgery()</c> enforces antiforgery
    /// metadata: needed for Razor component pages (<c>@attribute [RequireCrafyCaptcha("login")]</c>), harmless
    /// elsewhere (MVC actions and Razor Pages keep their filter, minimal APIs their endpoint filter; a request is
    /// verified once). Call it after <c>UseRouting</c>, <c>UseAuthentication</c> and <c>UseAuthorization</c>, next
    /// to <c>UseAntiforgery()</c>.
    /// </summary>
    /// <param name="app">The app.</param>
    /// <returns><paramref name="app"/>.</returns>
    public static IApplicationBuilder UseCrafyCaptcha(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.UseMiddleware<CrafyCaptchaMiddleware>();
    }
}
