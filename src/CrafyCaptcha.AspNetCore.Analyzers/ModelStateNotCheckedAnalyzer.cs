using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CrafyCaptcha.AspNetCore.Analyzers;

/// <summary>
/// CRAFY001: an MVC action or Razor Pages handler protected by <c>[RequireCrafyCaptcha]</c> that answers an unsafe
/// method (POST, PUT, PATCH, DELETE) and never reads <c>ModelState</c>'s validity. In the ModelState failure mode a
/// failed captcha is only a ModelState error, so such a handler would run for a request without a valid token.
/// </summary>
/// <remarks>
/// The analyzer sees attributes, not <c>Program.cs</c>, so it cannot know a policy's failure mode. The rule: it warns
/// unless the nearest <c>[RequireCrafyCaptcha]</c> pins <c>FailureMode = CrafyCaptchaFailureMode.Reject</c> (which then
/// overrides the policy), the handler reads <c>ModelState.IsValid</c> (or <c>ErrorCount</c>, <c>ValidationState</c>,
/// <c>GetValidationState</c>, <c>GetFieldValidationState</c>, <c>TryValidateModel</c>), its class is an
/// <c>[ApiController]</c> (the framework answers 400 on an invalid ModelState) or it is <c>[IgnoreCrafyCaptcha]</c>.
/// </remarks>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
internal sealed class ModelStateNotCheckedAnalyzer : DiagnosticAnalyzer
{
    /// <summary>The diagnostic id.</summary>
    public const string DiagnosticId = "CRAFY001";

    /// <summary>The documentation section that explains the rule (docs/reference.md).</summary>
    public const string HelpLinkUri = "https://captcha.crafy.net/dotnet/docs/reference.md#analyzer-crafy001";

    private const int RejectMode = 0; // CrafyCaptchaFailureMode.Reject

    private static readonly DiagnosticDescriptor Rule = new(
        DiagnosticId,
        title: "A [RequireCrafyCaptcha] handler must check ModelState.IsValid",
        messageFormat: "'{0}' is protected by [RequireCrafyCaptcha] but never reads ModelState.IsValid: in the ModelState failure mode it runs for a request without a valid captcha. Check ModelState.IsValid, or pin [RequireCrafyCaptcha(FailureMode = CrafyCaptchaFailureMode.Reject)].",
        category: "Security",
        defaultSeverity: DiagnosticSeverity.Warning,
        isEnabledByDefault: true,
        description: "A captcha failure in the ModelState failure mode is a ModelState error: the action still runs, so an action that does not check ModelState.IsValid accepts requests without a valid token (fail open).",
        helpLinkUri: HelpLinkUri);

    private static readonly string[] ModelStateReads = ["IsValid", "ErrorCount", "ValidationState", "GetValidationState", "GetFieldValidationState"];
    private static readonly string[] UnsafeVerbs = ["POST", "PUT", "PATCH", "DELETE"];
    private static readonly string[] UnsafeVerbAttributes = ["HttpPostAttribute", "HttpPutAttribute", "HttpPatchAttribute", "HttpDeleteAttribute"];

    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => [Rule];

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KnownTypes? types = KnownTypes.Create(start.Compilation);
            if (types is null)
            {
                return; // neither CrafyCaptcha.AspNetCore nor MVC is referenced
            }

            start.RegisterOperationBlockStartAction(block =>
            {
                if (block.OwningSymbol is not IMethodSymbol method || !IsUnsafeHandler(method, types) || !MayRunInModelStateMode(method, types))
                {
                    return;
                }

                int reads = 0;
                block.RegisterOperationAction(
                    operation =>
                    {
                        if (ReadsModelState(operation.Operation, types))
                        {
                            Interlocked.Exchange(ref reads, 1);
                        }
                    },
                    OperationKind.PropertyReference,
                    OperationKind.Invocation);
                block.RegisterOperationBlockEndAction(end =>
                {
                    if (Volatile.Read(ref reads) == 0)
                    {
                        end.ReportDiagnostic(Diagnostic.Create(Rule, method.Locations[0], method.Name));
                    }
                });
            });
        });
    }

    /// <summary>An MVC action or Razor Pages handler that can answer POST, PUT, PATCH or DELETE.</summary>
    private static bool IsUnsafeHandler(IMethodSymbol method, KnownTypes types)
    {
        if (method.MethodKind != MethodKind.Ordinary || method.IsStatic || method.IsGenericMethod
            || method.DeclaredAccessibility != Accessibility.Public || method.ContainingType is not { } type)
        {
            return false;
        }

        if (types.PageModel is not null && DerivesFrom(type, types.PageModel))
        {
            return !HasAttribute(method, types.NonHandler) && IsUnsafePageHandlerName(method.Name);
        }

        bool isController = (types.ControllerBase is not null && DerivesFrom(type, types.ControllerBase)) || HasAttributeInChain(type, types.Controller);
        if (!isController || HasAttributeInChain(type, types.NonController) || HasAttribute(method, types.NonAction))
        {
            return false;
        }

        bool anyVerb = false;
        foreach (AttributeData attribute in method.GetAttributes())
        {
            INamedTypeSymbol? attributeClass = attribute.AttributeClass;
            if (attributeClass is null)
            {
                continue;
            }

            if (types.HttpMethodAttribute is not null && DerivesFrom(attributeClass, types.HttpMethodAttribute))
            {
                anyVerb = true;
                if (Array.IndexOf(UnsafeVerbAttributes, attributeClass.Name) >= 0 || attributeClass.ContainingNamespace?.ToDisplayString() != "Microsoft.AspNetCore.Mvc")
                {
                    return true; // a known unsafe verb, or a custom verb attribute we cannot read: counts
                }
            }
            else if (SymbolEqualityComparer.Default.Equals(attributeClass, types.AcceptVerbs))
            {
                anyVerb = true;
                if (attribute.ConstructorArguments.SelectMany(Values).Any(v => v is string verb && Array.Exists(UnsafeVerbs, u => string.Equals(u, verb, StringComparison.OrdinalIgnoreCase))))
                {
                    return true;
                }
            }
        }

        return !anyVerb; // an action without a verb attribute answers every method
    }

    private static IEnumerable<object?> Values(TypedConstant constant)
        => constant.Kind == TypedConstantKind.Array ? constant.Values.Select(v => v.Value) : [constant.Value];

    /// <summary><c>OnPost</c>, <c>OnPostAsync</c>, <c>OnPostDelete</c>, … for POST, PUT, PATCH and DELETE.</summary>
    private static bool IsUnsafePageHandlerName(string name)
    {
        foreach (string verb in new[] { "OnPost", "OnPut", "OnPatch", "OnDelete" })
        {
            if (name.StartsWith(verb, StringComparison.Ordinal) && (name.Length == verb.Length || char.IsUpper(name[verb.Length])))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The nearest <c>[RequireCrafyCaptcha]</c> or <c>[IgnoreCrafyCaptcha]</c> (the method and the methods it overrides,
    /// then its class and base classes) decides: protected unless ignored or pinned to Reject; <c>[ApiController]</c> exempts.
    /// </summary>
    private static bool MayRunInModelStateMode(IMethodSymbol method, KnownTypes types)
    {
        AttributeData? require = null;
        bool decided = false;
        for (IMethodSymbol? m = method; m is not null && !decided; m = m.OverriddenMethod)
        {
            decided = Decide(m.GetAttributes(), types, ref require);
        }

        for (INamedTypeSymbol? t = method.ContainingType; t is not null && !decided; t = t.BaseType)
        {
            decided = Decide(t.GetAttributes(), types, ref require);
        }

        if (require is null || IsApiController(method.ContainingType, types))
        {
            return false;
        }

        foreach (KeyValuePair<string, TypedConstant> named in require.NamedArguments)
        {
            if (named.Key == "FailureMode" && named.Value.Value is int mode && mode == RejectMode)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Returns <see langword="true"/> when <paramref name="attributes"/> carry Require or Ignore; Ignore wins on one symbol.</summary>
    private static bool Decide(ImmutableArray<AttributeData> attributes, KnownTypes types, ref AttributeData? require)
    {
        AttributeData? found = null;
        foreach (AttributeData attribute in attributes)
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, types.Ignore))
            {
                require = null;
                return true;
            }

            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, types.Require))
            {
                found = attribute;
            }
        }

        require = found;
        return found is not null;
    }

    private static bool IsApiController(INamedTypeSymbol type, KnownTypes types)
    {
        if (types.ApiBehaviorMetadata is null)
        {
            return false;
        }

        bool IsApi(AttributeData a) => a.AttributeClass is { } c && c.AllInterfaces.Contains(types.ApiBehaviorMetadata, SymbolEqualityComparer.Default);
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.GetAttributes().Any(IsApi))
            {
                return true;
            }
        }

        return type.ContainingAssembly.GetAttributes().Any(IsApi);
    }

    private static bool ReadsModelState(IOperation operation, KnownTypes types)
    {
        (ISymbol member, INamedTypeSymbol? owner) = operation switch
        {
            IPropertyReferenceOperation p => ((ISymbol)p.Property, p.Property.ContainingType),
            IInvocationOperation i => (i.TargetMethod, i.TargetMethod.ContainingType),
            _ => (null!, null),
        };
        if (owner is null)
        {
            return false;
        }

        if (SymbolEqualityComparer.Default.Equals(owner.OriginalDefinition, types.ModelStateDictionary))
        {
            return Array.IndexOf(ModelStateReads, member.Name) >= 0;
        }

        return member.Name == "TryValidateModel"
            && (SymbolEqualityComparer.Default.Equals(owner, types.ControllerBase) || SymbolEqualityComparer.Default.Equals(owner, types.PageModel));
    }

    private static bool DerivesFrom(INamedTypeSymbol type, INamedTypeSymbol baseType)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(t, baseType))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute)
        => attribute is not null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));

    private static bool HasAttributeInChain(INamedTypeSymbol type, INamedTypeSymbol? attribute)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (HasAttribute(t, attribute))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The types the rule reads, resolved once per compilation.</summary>
    private sealed class KnownTypes
    {
        public INamedTypeSymbol Require { get; private set; } = null!;

        public INamedTypeSymbol? Ignore { get; private set; }

        public INamedTypeSymbol ModelStateDictionary { get; private set; } = null!;

        public INamedTypeSymbol? ControllerBase { get; private set; }

        public INamedTypeSymbol? PageModel { get; private set; }

        public INamedTypeSymbol? Controller { get; private set; }

        public INamedTypeSymbol? NonController { get; private set; }

        public INamedTypeSymbol? NonAction { get; private set; }

        public INamedTypeSymbol? NonHandler { get; private set; }

        public INamedTypeSymbol? HttpMethodAttribute { get; private set; }

        public INamedTypeSymbol? AcceptVerbs { get; private set; }

        public INamedTypeSymbol? ApiBehaviorMetadata { get; private set; }

        public static KnownTypes? Create(Compilation compilation)
        {
            INamedTypeSymbol? require = compilation.GetTypeByMetadataName("CrafyCaptcha.AspNetCore.RequireCrafyCaptchaAttribute");
            INamedTypeSymbol? modelState = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.ModelBinding.ModelStateDictionary");
            if (require is null || modelState is null)
            {
                return null;
            }

            return new KnownTypes
            {
                Require = require,
                Ignore = compilation.GetTypeByMetadataName("CrafyCaptcha.AspNetCore.IgnoreCrafyCaptchaAttribute"),
                ModelStateDictionary = modelState,
                ControllerBase = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.ControllerBase"),
                PageModel = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.RazorPages.PageModel"),
                Controller = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.ControllerAttribute"),
                NonController = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.NonControllerAttribute"),
                NonAction = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.NonActionAttribute"),
                NonHandler = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.RazorPages.NonHandlerAttribute"),
                HttpMethodAttribute = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.Routing.HttpMethodAttribute"),
                AcceptVerbs = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.AcceptVerbsAttribute"),
                ApiBehaviorMetadata = compilation.GetTypeByMetadataName("Microsoft.AspNetCore.Mvc.Infrastructure.IApiBehaviorMetadata"),
            };
        }
    }
}
