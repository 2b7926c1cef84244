using System.Collections.Immutable;
using CrafyCaptcha.AspNetCore.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace CrafyCaptcha.AspNetCore.Tests;

/// <summary>CRAFY001 over small sources compiled with Roslyn against this runtime's ASP.NET Core and CrafyCaptcha.AspNetCore.</summary>
public sealed class AnalyzerTests
{
    private const string Usings = """
        using System.Threading.Tasks;
        using CrafyCaptcha.AspNetCore;
        using Microsoft.AspNetCore.Mvc;
        using Microsoft.AspNetCore.Mvc.RazorPages;

        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n.StartsWith("Microsoft.AspNetCore.", StringComparison.Ordinal)
                || n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal) || n is "netstandard.dll" or "mscorlib.dll" or "System.dll"))
            .Select(p => MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(RequireCrafyCaptchaAttribute).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(FlowFailure).Assembly.Location),
    ]);

    [Fact]
    public async Task Warns_for_an_action_that_ignores_ModelState_and_not_for_one_that_checks_it()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            [RequireCrafyCaptcha("login")]
            public sealed class AccountController : Controller
            {
                [HttpPost]
                public IActionResult Forgetful(string name) => Redirect("/saved");

                [HttpPost]
                public IActionResult Careful(string name)
                {
                    if (!ModelState.IsValid) return View();
                    return Redirect("/saved");
                }

                [HttpPost]
                public IActionResult Patterned(string name) => ModelState is { IsValid: false } ? View() : Redirect("/saved");

                [HttpPost]
                public IActionResult Revalidates(string name) => TryValidateModel(name) ? Redirect("/saved") : View();

                [HttpPost]
                public IActionResult Counts(string name) => ModelState.ErrorCount > 0 ? View() : Redirect("/saved");

                [HttpGet]
                public IActionResult Show() => View();

                [HttpPost, IgnoreCrafyCaptcha]
                public IActionResult Opted() => Redirect("/saved");

                public IActionResult AnyVerb() => Redirect("/saved");

                [AcceptVerbs("GET", "HEAD")]
                public IActionResult SafeVerbs() => View();

                [AcceptVerbs("GET", "POST")]
                public IActionResult PostToo() => View();

                [NonAction]
                public void Helper() { }
            }
            """);

        Assert.Equal(["AnyVerb", "Forgetful", "PostToo"], Flagged(diagnostics));
        Diagnostic first = diagnostics.Single(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).StartsWith("'Forgetful'", StringComparison.Ordinal));
        Assert.Equal(DiagnosticSeverity.Warning, first.Severity);
        Assert.Equal(ModelStateNotCheckedAnalyzer.HelpLinkUri, first.Descriptor.HelpLinkUri);
        Assert.EndsWith("#analyzer-crafy001", first.Descriptor.HelpLinkUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_controllers_are_exempt_because_the_framework_checks_ModelState()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            [ApiController, Route("api/news"), RequireCrafyCaptcha]
            public sealed class NewsController : ControllerBase
            {
                [HttpPost] public IActionResult Subscribe(string email) => Ok();
            }

            [ApiController]
            public abstract class ApiBase : ControllerBase { }

            [Route("api/other"), RequireCrafyCaptcha]
            public sealed class OtherController : ApiBase
            {
                [HttpPut] public IActionResult Put(string email) => Ok();
            }
            """);

        Assert.Empty(Flagged(diagnostics));
    }

    [Fact]
    public async Task Ignore_attribute_on_the_action_or_a_nearer_class_silences_it()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            [RequireCrafyCaptcha]
            public abstract class ProtectedBase : Controller { }

            public sealed class InheritsController : ProtectedBase
            {
                [HttpDelete] public IActionResult Delete() => Ok();
                [HttpPost, IgnoreCrafyCaptcha] public IActionResult Webhook() => Ok();
            }

            [IgnoreCrafyCaptcha]
            public sealed class OpenController : ProtectedBase
            {
                [HttpPost] public IActionResult Post() => Ok();
                [HttpPatch, RequireCrafyCaptcha] public IActionResult Patch() => Ok();
            }
            """);

        Assert.Equal(["Delete", "Patch"], Flagged(diagnostics));
    }

    [Fact]
    public async Task Pinning_Reject_on_the_attribute_silences_it_and_pinning_ModelState_does_not()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            public sealed class PinnedController : Controller
            {
                [HttpPost, RequireCrafyCaptcha("login", FailureMode = CrafyCaptchaFailureMode.Reject)]
                public IActionResult Rejects() => Ok();

                [HttpPost, RequireCrafyCaptcha("login", FailureMode = CrafyCaptchaFailureMode.ModelState)]
                public IActionResult Forms() => Ok();
            }

            [RequireCrafyCaptcha(FailureMode = CrafyCaptchaFailureMode.Reject)]
            public sealed class StrictController : Controller
            {
                [HttpPost] public IActionResult Save() => Ok();
                [HttpPost, RequireCrafyCaptcha("form")] public IActionResult Nearer() => Ok();
            }
            """);

        Assert.Equal(["Forms", "Nearer"], Flagged(diagnostics));
    }

    [Fact]
    public async Task Razor_pages_unsafe_handlers_are_checked()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            [RequireCrafyCaptcha("register")]
            public sealed class RegisterModel : PageModel
            {
                public void OnGet() { }
                public async Task<IActionResult> OnPostAsync() { await Task.Yield(); return RedirectToPage("/Done"); }
                public IActionResult OnPostDelete() => ModelState.IsValid ? RedirectToPage("/Done") : Page();
                public IActionResult OnPutSave() => Page();
                public IActionResult OnPostal() => Page();
                [NonHandler] public IActionResult OnPostHelper() => Page();
            }

            public sealed class ContactModel : PageModel
            {
                public IActionResult OnPost() => Page();
            }
            """);

        Assert.Equal(["OnPostAsync", "OnPutSave"], Flagged(diagnostics));
    }

    [Fact]
    public async Task Reads_inside_a_lambda_of_the_handler_count()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync("""
            public sealed class LambdaController : Controller
            {
                [HttpPost, RequireCrafyCaptcha]
                public IActionResult Save()
                {
                    System.Func<bool> valid = () => ModelState.IsValid;
                    return valid() ? Ok() : View();
                }
            }
            """);

        Assert.Empty(Flagged(diagnostics));
    }

    [Fact]
    public void The_sample_builds_with_the_analyzer_and_its_re_rendering_forms_check_ModelState()
    {
        // The sample references the analyzer (OutputItemType=Analyzer) under TreatWarningsAsErrors: it builds only
        // if its ModelState-mode forms read ModelState.IsValid. This asserts the wiring is there.
        string project = File.ReadAllText(Path.Combine(RepoRoot(), "samples", "CrafyCaptcha.Sample", "CrafyCaptcha.Sample.csproj"));

        Assert.Contains("CrafyCaptcha.AspNetCore.Analyzers.csproj\" OutputItemType=\"Analyzer\"", project, StringComparison.Ordinal);
    }

    private static string RepoRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "CrafyCaptcha.AspNetCore.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("the repository root was not found");
    }

    private static string[] Flagged(ImmutableArray<Diagnostic> diagnostics)
        => [.. diagnostics.Where(d => d.Id == ModelStateNotCheckedAnalyzer.DiagnosticId)
            .Select(d => d.Location.SourceTree!.GetText().ToString(d.Location.SourceSpan))
            .Order(StringComparer.Ordinal)];

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(string source)
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Crafy001Case",
            [CSharpSyntaxTree.ParseText(Usings + source, new CSharpParseOptions(LanguageVersion.Latest))],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        ImmutableArray<Diagnostic> errors = [.. compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error)];
        Assert.True(errors.IsEmpty, string.Join(Environment.NewLine, errors));

        CompilationWithAnalyzers withAnalyzers = compilation.WithAnalyzers([new ModelStateNotCheckedAnalyzer()]);
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }
}
