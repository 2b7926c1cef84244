using System.Reflection;
using System.Runtime.CompilerServices;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The packages meet through public API only, and the embedded engine replaces the public-token provider without
/// knowing the ASP.NET Core integration's internal type: keys it does not serve go to whatever was registered before.
/// </summary>
public sealed class BoundaryTests
{
    private const string OtherPublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a";
    private const string OtherSecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    [Theory]
    [InlineData(typeof(ICrafyCaptcha))]
    [InlineData(typeof(ICrafyPublicTokenProvider))]
    [InlineData(typeof(ChallengeServerOptions))]
    public void Internals_are_visible_to_tests_and_benchmarks_only(Type fromPackage)
    {
        string[] friends = [.. fromPackage.Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName)];
        Assert.NotEmpty(friends);
        Assert.All(friends, name => Assert.True(
            name.EndsWith(".Tests", StringComparison.Ordinal) || name == "CrafyCaptcha.Benchmarks",
            $"{fromPackage.Assembly.GetName().Name} shows its internals to {name}, which is neither a test project nor the benchmarks."));
    }

    [Fact]
    public async Task A_key_the_engine_does_not_serve_gets_the_token_of_the_provider_registered_before()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddSingleton<ICrafyPublicTokenProvider>(new FixedProvider("pt_from_before"));
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
            s.Configure<CrafyCaptchaOptions>(o => (o.PublicKey, o.SecretKey) = (OtherPublicKey, OtherSecretKey));
        });

        Assert.Equal("pt_from_before", await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Test_credentials_beside_the_engine_keep_their_own_public_token()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
            s.Configure<CrafyCaptchaOptions>(o => (o.PublicKey, o.SecretKey) = (CrafyCaptchaTestCredentials.PublicKey, CrafyCaptchaTestCredentials.AlwaysPassesSecretKey));
        });

        Assert.Equal(CrafyCaptchaTestCredentials.PublicToken, await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_engines_own_key_gets_the_engines_token_not_the_fallback()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddSingleton<ICrafyPublicTokenProvider>(new FixedProvider("pt_from_before"));
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
        });

        string? token = await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.NotEqual("pt_from_before", token);
    }

    private static WebApplication Build(Action<IServiceCollection> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        configure(builder.Services);
        return builder.Build();
    }

    private sealed class FixedProvider(string token) : ICrafyPublicTokenProvider
    {
        public ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
    }
}
