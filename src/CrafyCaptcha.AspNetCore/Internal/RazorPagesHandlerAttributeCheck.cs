using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.ApplicationParts;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.DependencyInjection;

namespace CrafyCaptcha.AspNetCore.Internal;

/// <summary>
/// Stops the app at start-up when <see cref="RequireCrafyCaptchaAttribute"/> or <see cref="IgnoreCrafyCaptchaAttribute"/>
/// sits on a Razor Pages handler method (<c>OnPost</c>, <c>OnPostDeleteAsync</c>…): Razor Pages take filters and
/// endpoint metadata from the page model class only, so the attribute would be silently ignored and the form left
/// unprotected (or protected against the author's intent). The message says where to put it.
/// </summary>
internal sealed class RazorPagesHandlerAttributeCheck(IServiceProvider services) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next)
    {
        // Only an app that serves Razor Pages has page handlers (an MVC-only app may well carry page model types).
        bool razorPages = services.GetServices<Microsoft.AspNetCore.Mvc.ApplicationModels.IPageApplicationModelProvider>().Any();
        if (razorPages && services.GetService<ApplicationPartManager>() is { } parts)
        {
            IEnumerable<Type> types = parts.ApplicationParts.OfType<IApplicationPartTypeProvider>().SelectMany(p => p.Types).Select(t => t.AsType());
            if (Describe(types) is { } problem)
            {
                throw new InvalidOperationException(problem);
            }
        }

        return next;
    }

    /// <summary>The start-up error for the misplaced attributes among <paramref name="types"/>, or <see langword="null"/>.</summary>
    internal static string? Describe(IEnumerable<Type> types)
    {
        var misplaced = new List<string>();
        foreach (Type type in types.Where(t => t.IsClass && (typeof(PageModel).IsAssignableFrom(t) || typeof(Page).IsAssignableFrom(t))).Distinct())
        {
            foreach (MethodInfo method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (method.Name.StartsWith("On", StringComparison.Ordinal)
                    && method.GetCustomAttributes(inherit: true).FirstOrDefault(a => a is ICrafyCaptchaMetadata) is { } attribute)
                {
                    string name = attribute.GetType().Name;
                    misplaced.Add($"[{name[..^"Attribute".Length]}] on {type.FullName}.{method.Name}");
                }
            }
        }

        return misplaced.Count == 0
            ? null
            : "CrafyCaptcha attributes are on Razor Pages handler methods, where ASP.NET Core ignores them (Razor Pages apply filters and endpoint "
                + $"metadata per page, not per handler): {string.Join("; ", misplaced)}. Put [RequireCrafyCaptcha] on the page model class instead "
                + "(it then covers the page's POST, PUT, PATCH and DELETE handlers), or move a handler that needs another rule to its own page.";
    }
}
