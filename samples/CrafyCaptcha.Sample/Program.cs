using System.Collections.Concurrent;
using CrafyCaptcha;
using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Sample;
using CrafyCaptcha.Sample.Models;
using Microsoft.AspNetCore.Mvc;

var builder = WebApplication.CreateBuilder(args);

// A failed form keeps what was typed in TempData; kept server-side (session in IDistributedCache, one small cookie),
// so a long comment never grows the browser's cookies.
builder.Services.AddControllersWithViews().AddSessionStateTempDataProvider();
builder.Services.AddRazorPages().AddSessionStateTempDataProvider();
builder.Services.AddSession(o => { o.Cookie.HttpOnly = true; o.Cookie.IsEssential = true; o.IdleTimeout = TimeSpan.FromMinutes(20); });

// One line: keys from the "CrafyCaptcha" section or the CRAFY_* variables (none needed here: the embedded
// challenge engine serves a development credential); a named policy per form. The login and registration forms
// re-render with the user's input, so they opt into the ModelState failure mode (their handlers check
// ModelState.IsValid; analyzer CRAFY001 would warn otherwise); everything else fails closed (Reject, the default).
ICrafyCaptchaBuilder captcha = builder.Services.AddCrafyCaptcha(o => o.OnRejected = CommentForm.ReturnToFormAsync)
    .AddEmbeddedChallengeServer()
    .AddFlowPolicy("login", p => { p.Mode = FlowMode.Auto; p.FailureMode = CrafyCaptchaFailureMode.ModelState; })
    .AddFlowPolicy("register", p =>
    {
        p.Mode = FlowMode.Puzzle;
        p.Puzzles = [PuzzleKind.Slider, PuzzleKind.Connect];
        p.FailureMode = CrafyCaptchaFailureMode.ModelState;
    })
    .AddFlowPolicy("comments", p => p.Mode = FlowMode.Hidden);

// One setting for several instances behind a load balancer: ConnectionStrings:Redis moves the nonces and the
// engine's state (flows, one-use marks, velocity counters) to Redis, so a token passes once whichever instance sees it.
if (builder.Configuration.GetConnectionString("Redis") is { Length: > 0 } redis)
{
    captcha.AddRedisNonceStore(redis);
}
builder.Services.AddHealthChecks().AddCrafyCaptcha();
builder.Services.AddSingleton<ConcurrentQueue<Comment>>();

var app = builder.Build();

app.UseStaticFiles();
app.UseRouting();
// The session holds a failed form's input (TempData); the challenge engine and the options endpoint never use it, and a
// session costs every cookieless request a new protected key, so they skip it.
app.UseWhen(http => !http.Request.Path.StartsWithSegments("/crafy") && !http.Request.Path.StartsWithSegments("/crafy-options"), branch => branch.UseSession());
app.UseAntiforgery();
app.UseCrafyCaptcha(); // for Razor component pages; MVC, Razor Pages and minimal APIs keep their filters (a request is verified once)

app.MapCrafyOptions();
app.MapCrafyChallengeServer();
app.MapControllerRoute("default", "{controller=Home}/{action=Index}/{id?}");
app.MapRazorPages();
app.MapHealthChecks("/health");

// Minimal API: the comment form posts here; the endpoint filter verifies the token first.
app.MapPost("/comments", async ([FromForm] CommentInput input, ConcurrentQueue<Comment> comments, HttpContext http) =>
    {
        if (string.IsNullOrWhiteSpace(input.Author) || string.IsNullOrWhiteSpace(input.Text) || input.Text.Length > CommentForm.MaxTextLength)
        {
            string problem = $"Author and text are required; a comment has at most {CommentForm.MaxTextLength} characters.";
            return await CommentForm.ReturnToFormAsync(http, problem)
                ?? Results.ValidationProblem(new Dictionary<string, string[]> { ["text"] = [problem] });
        }

        comments.Enqueue(new Comment(input.Author, input.Text, DateTimeOffset.UtcNow));
        return Results.Redirect("/Comments");
    })
    .RequireCrafyCaptcha("comments");

app.Run();

/// <summary>The sample app's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
