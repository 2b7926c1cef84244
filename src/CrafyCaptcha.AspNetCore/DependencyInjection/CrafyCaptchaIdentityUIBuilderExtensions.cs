using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Razor.TagHelpers;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Protects the classic ASP.NET Core Identity UI (<c>Microsoft.AspNetCore.Identity.UI</c>) without scaffolding.</summary>
public static class CrafyCaptchaIdentityUIBuilderExtensions
{
    /// <summary>The policy of each protected Identity UI page (area <c>Identity</c>), by page.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Pages = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["/Account/Login"] = "identity-login",
        ["/Account/Register"] = "identity-register",
        ["/Account/ForgotPassword"] = "identity-forgot-password",
        ["/Account/ResendEmailConfirmation"] = "identity-resend-confirmation",
        ["/Account/ExternalLogin"] = "identity-external-login",
    };

    /// <summary>
    /// Protects the Identity UI's Login, Register, ForgotPassword, ResendEmailConfirmation and external-login
    /// confirmation pages, each with its own policy (<c>identity-login</c>, <c>identity-register</c>,
    /// <c>identity-forgot-password</c>, <c>identity-resend-confirmation</c>, <c>identity-external-login</c>; ModelState
    /// mode, as those pages act only when <c>ModelState.IsValid</c>): a page convention adds
    /// <see cref="RequireCrafyCaptchaAttribute"/> to each page, and a tag helper component puts the widget into each
    /// page's form. Re-add a policy with <c>AddFlowPolicy</c> afterwards to change it (keep its ModelState mode).
    /// </summary>
    /// <param name="builder">The builder of <c>AddCrafyCaptcha()</c>.</param>
    /// <returns><paramref name="builder"/>.</returns>
    public static ICrafyCaptchaBuilder AddCrafyCaptchaToIdentityUI(this ICrafyCaptchaBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        foreach (string policy in Pages.Values)
        {
            builder.AddFlowPolicy(policy, p => p.FailureMode = CrafyCaptchaFailureMode.ModelState);
        }

        builder.Services.Configure<RazorPagesOptions>(o =>
        {
            foreach ((string page, string policy) in Pages)
            {
                o.Conventions.AddAreaPageApplicationModelConvention("Identity", page, model =>
                {
                    model.EndpointMetadata.Add(new RequireCrafyCaptchaAttribute(policy));
                    model.EndpointMetadata.Add(new IdentityUIFormMetadata(policy));
                });
            }
        });
        builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<ITagHelperComponent, IdentityUIFormInjector>());
        return builder;
    }
}
