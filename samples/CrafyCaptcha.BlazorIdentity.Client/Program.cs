using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

var builder = WebAssemblyHostBuilder.CreateDefault(args);

// CrafyCaptcha in WebAssembly: one line. The widget's settings come from the server's prerender; the token is verified
// by the server endpoint the form posts to (see FeedbackForm.razor and the server's /api/feedback).
builder.Services.AddCrafyCaptchaWebAssembly();

builder.Services.AddScoped(_ => new HttpClient { BaseAddress = new Uri(builder.HostEnvironment.BaseAddress) });

await builder.Build().RunAsync();
