using CrafyCaptcha;
using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.BlazorIdentity.Components;
using CrafyCaptcha.BlazorIdentity.Components.Account;
using CrafyCaptcha.BlazorIdentity.Data;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

var builder = WebApplication.CreateBuilder(args);

builder.Services.AddRazorComponents()
    .AddInteractiveServerComponents()
    .AddInteractiveWebAssemblyComponents();

builder.Services.AddCascadingAuthenticationState();
builder.Services.AddScoped<IdentityRedirectManager>();
builder.Services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

builder.Services.AddAuthentication(options =>
    {
        options.DefaultScheme = IdentityConstants.ApplicationScheme;
        options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
    })
    .AddIdentityCookies();

// SQLite under the content root, created on first run (EnsureCreated below): nothing to migrate by hand.
string connectionString = (builder.Configuration.GetConnectionString("DefaultConnection") ?? "DataSource=App_Data/app.db;Cache=Shared")
    .Replace("DataSource=App_Data/", "DataSource=" + Path.Combine(builder.Environment.ContentRootPath, "App_Data") + "/", StringComparison.Ordinal);
builder.Services.AddDbContext<ApplicationDbContext>(options => options.UseSqlite(connectionString));
builder.Services.AddDatabaseDeveloperPageExceptionFilter();

builder.Services.AddIdentityCore<ApplicationUser>(options =>
    {
        options.SignIn.RequireConfirmedAccount = true;
        options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
    })
    .AddEntityFrameworkStores<ApplicationDbContext>()
    .AddSignInManager()
    .AddDefaultTokenProviders();

builder.Services.AddSingleton<IEmailSender<ApplicationUser>, IdentityNoOpEmailSender>();

// CrafyCaptcha: one line (keys from the "CrafyCaptcha" section or CRAFY_* variables; none needed here: the embedded
// engine serves a development credential), a policy per form. The Identity forms re-render with what was typed, so
// their policies use the ModelState failure mode: <CrafyCaptcha> puts the failure into the form's EditContext.
ICrafyCaptchaBuilder captcha = builder.Services.AddCrafyCaptcha()
    .AddEmbeddedChallengeServer()
    .AddFlowPolicy("login", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState)
    .AddFlowPolicy("register", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState)
    .AddFlowPolicy("forgot-password", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState)
    .AddFlowPolicy("resend-confirmation", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState)
    .AddFlowPolicy("newsletter", p => p.FailureMode = CrafyCaptchaFailureMode.ModelState)
    .AddFlowPolicy("contact", _ => { })
    // The feedback form's token is posted by an HttpClient (below), which on the server is not the browser that got
    // the flow: this policy's tokens are not bound to the visitor, as for any API client without the browser's cookies.
    .AddFlowPolicy("feedback", p => p.BindToVisitor = false);

// The feedback form (a WebAssembly page and an Auto page) posts with HttpClient wherever it runs; on the server (an
// Auto page before WebAssembly is loaded) that client calls this app.
builder.Services.AddHttpClient();
builder.Services.AddScoped(sp =>
{
    HttpClient client = sp.GetRequiredService<IHttpClientFactory>().CreateClient();
    client.BaseAddress = new Uri(sp.GetRequiredService<NavigationManager>().BaseUri);
    return client;
});

// The same setting as the first sample: ConnectionStrings:Redis moves the nonces and the engine's state to Redis.
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    captcha.AddRedisNonceStore(redis);
}

var app = builder.Build();

using (IServiceScope scope = app.Services.CreateScope())
{
    ApplicationDbContext db = scope.ServiceProvider.GetRequiredService<ApplicationDbContext>();
    string? folder = Path.GetDirectoryName(new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource);
    if (!string.IsNullOrEmpty(folder))
    {
        Directory.CreateDirectory(folder);
    }

    db.Database.EnsureCreated();
}

if (!app.Environment.IsDevelopment())
{
    app.UseExceptionHandler("/Error", createScopeForErrors: true);
    app.UseHsts();
}

app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);

app.UseAntiforgery();
app.UseCrafyCaptcha();

app.MapStaticAssets();
app.MapCrafyOptions();
app.MapCrafyChallengeServer();
app.MapRazorComponents<App>()
    .AddInteractiveServerRenderMode()
    .AddInteractiveWebAssemblyRenderMode()
    .AddAdditionalAssemblies(typeof(CrafyCaptcha.BlazorIdentity.Client._Imports).Assembly);

// The feedback form's endpoint: the token comes in the X-Crafy-Captcha-Token header and is verified here, once; a
// missing, forged or replayed token gets a 400 ProblemDetails with the stable code ("captcha_missing", …).
int feedbackCount = 0;
app.MapPost("/api/feedback", (FeedbackInput input) => string.IsNullOrWhiteSpace(input.Text)
        ? Results.ValidationProblem(new Dictionary<string, string[]> { ["Text"] = ["The feedback is empty."] })
        : Results.Ok(new { Id = Interlocked.Increment(ref feedbackCount) }))
    .RequireCrafyCaptcha("feedback");

// Add additional endpoints required by the Identity /Account Razor components.
app.MapAdditionalIdentityEndpoints();

app.Run();

/// <summary>The sample's entry point (public for WebApplicationFactory).</summary>
public partial class Program;

/// <summary>The feedback form's body.</summary>
/// <param name="Text">The person's feedback.</param>
internal sealed record FeedbackInput(string? Text);
