using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Tests;

/// <summary>The SDK core alone reads the CRAFY_* variables its start-up message tells users to set.</summary>
[Collection(nameof(EnvironmentVariableTests))]
[CollectionDefinition(nameof(EnvironmentVariableTests), DisableParallelization = true)]
public sealed class EnvironmentVariableTests
{
    private const string Secret = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";
    private const string Public = "pk_8868cdb2a4575e8755324cb77bf5be3a";

    [Fact]
    public async Task The_core_reads_the_keys_from_the_environment_and_code_wins_over_it()
    {
        string?[] before = [Environment.GetEnvironmentVariable("CRAFY_SECRET_KEY"), Environment.GetEnvironmentVariable("CRAFY_PUBLIC_KEY")];
        try
        {
            Environment.SetEnvironmentVariable("CRAFY_SECRET_KEY", Secret);
            Environment.SetEnvironmentVariable("CRAFY_PUBLIC_KEY", Public);

            using (ServiceProvider fromEnvironment = new ServiceCollection().AddLogging().AddCrafyCaptchaCore().Services.BuildServiceProvider())
            {
                CrafyCaptchaOptions options = fromEnvironment.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value;
                Assert.Equal(Secret, options.SecretKey);
                Assert.Equal(Public, options.PublicKey);
                string eo = await fromEnvironment.GetRequiredService<ICrafyCaptcha>().CreateFlowAsync();
                using var box = new Cryptography.SecretBox(Secret);
                Assert.True(box.TryOpen(eo, out _)); // sealed with the variable's key
            }

            using ServiceProvider fromCode = new ServiceCollection().AddLogging().AddCrafyCaptchaCore(o => o.SecretKey = "sk_from_code").Services.BuildServiceProvider();
            Assert.Equal("sk_from_code", fromCode.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value.SecretKey);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CRAFY_SECRET_KEY", before[0]);
            Environment.SetEnvironmentVariable("CRAFY_PUBLIC_KEY", before[1]);
        }
    }

    [Fact]
    public void Without_code_or_variable_the_start_up_message_names_both()
    {
        string? before = Environment.GetEnvironmentVariable("CRAFY_SECRET_KEY");
        try
        {
            Environment.SetEnvironmentVariable("CRAFY_SECRET_KEY", null);
            using ServiceProvider services = new ServiceCollection().AddLogging().AddCrafyCaptchaCore().Services.BuildServiceProvider();
            OptionsValidationException error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<CrafyCaptchaOptions>>().Value);
            Assert.Contains("CrafyCaptcha:SecretKey", error.Message, StringComparison.Ordinal);
            Assert.Contains("CRAFY_SECRET_KEY", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("CRAFY_SECRET_KEY", before);
        }
    }
}
