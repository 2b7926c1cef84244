using CrafyCaptcha.Testing;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server.ControlPanel.Storage;
using CrafyCaptcha.Server.Credentials;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary><c>crafy credentials …</c> run as a real process against a SQLite file, read back by the engine's side.</summary>
public sealed class CredentialsCliTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "crafy-cli-" + Guid.NewGuid().ToString("N"));

    private string Database => "sqlite:" + Path.Combine(_directory, "panel.db");

    [Fact]
    public async Task Create_prints_the_secrets_once_and_the_engine_reads_them_from_the_same_database()
    {
        CliResult created = await Crafy("credentials", "create", "--database", Database, "--name", "Shop", "--plan", "growth", "--domain", "shop.example", "--format", "json");
        Assert.Equal(0, created.ExitCode);
        JsonObject json = JsonNode.Parse(created.Output)!.AsObject();
        string pk = (string)json["publicKey"]!;
        string secret = (string)json["secretKey"]!;
        Assert.Matches("^sk_[0-9a-f]{64}$", secret);
        Assert.Equal(CredentialGenerator.SigningPublicKeyOf((string)json["signingPrivateKey"]!), (string)json["signingPublicKey"]!);

        CliResult list = await Crafy("credentials", "list", "--database", Database, "--format", "json");
        Assert.Equal(0, list.ExitCode);
        Assert.Equal(pk, (string)JsonNode.Parse(list.Output)![0]!["publicKey"]!);
        Assert.DoesNotContain(secret, list.Output, StringComparison.Ordinal);
        Assert.DoesNotContain((string)json["signingPrivateKey"]!, list.Output, StringComparison.Ordinal);

        // Another process (the engine) reads the secret: the Data Protection keys live in the same database.
        await using var database = new ControlPanelDatabaseServices(ControlPanelDatabase.Sqlite, "Data Source=" + Path.Combine(_directory, "panel.db") + ";Pooling=false");
        var source = new StoredCredentialSource(new CredentialRepository(database, TimeProvider.System), Options.Create(new ControlPanelOptions()), TimeProvider.System, NullLogger<StoredCredentialSource>.Instance);
        await source.RefreshAsync();
        ServedCredential served = ServedCredentials.Of(source.FindByPublicKey(pk))!;
        Assert.Equal(secret, served.Credential.SecretKey);
        Assert.True(served.AllowsHost("shop.example"));
        source.Dispose();
    }

    [Fact]
    public async Task Domains_plan_rotate_disable_and_usage_change_what_is_stored()
    {
        CliResult created = await Crafy("credentials", "create", "--database", Database, "--format", "json");
        string pk = (string)JsonNode.Parse(created.Output)!["publicKey"]!;
        string token = (string)JsonNode.Parse(created.Output)!["publicToken"]!;

        Assert.Equal(0, (await Crafy("credentials", "domains", pk, "--domain", "a.example", "--domain", "B.example", "--database", Database)).ExitCode);
        CliResult plan = await Crafy("credentials", "plan", pk, "scale", "--database", Database);
        Assert.Equal(0, plan.ExitCode);
        Assert.Contains("new public token: pt_", plan.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(token, plan.Output, StringComparison.Ordinal);

        CliResult rotated = await Crafy("credentials", "rotate", pk, "--grace", "00:00:00", "--database", Database, "--format", "json");
        Assert.Equal(0, rotated.ExitCode);
        string next = (string)JsonNode.Parse(rotated.Output)!["publicKey"]!;
        Assert.Equal("scale", (string)JsonNode.Parse(rotated.Output)!["plan"]!);
        Assert.Equal(0, (await Crafy("credentials", "disable", next, "--database", Database)).ExitCode);

        JsonArray list = JsonNode.Parse((await Crafy("credentials", "list", "--database", Database, "--format", "json")).Output)!.AsArray();
        JsonNode old = list.Single(c => (string)c!["publicKey"]! == pk)!;
        Assert.Equal("retired", (string)old["status"]!);
        Assert.Equal(next, (string)old["replacedBy"]!);
        Assert.Equal("[\"a.example\",\"b.example\"]", old["domains"]!.ToJsonString());
        Assert.Equal("disabled", (string)list.Single(c => (string)c!["publicKey"]! == next)!["status"]!);

        CliResult usage = await Crafy("credentials", "usage", pk, "--database", Database, "--format", "json");
        Assert.Equal(0, usage.ExitCode);
        Assert.Equal("[]", usage.Output.Trim());
    }

    [Fact]
    public async Task Bad_input_gets_one_clear_line_and_exit_code_2()
    {
        CliResult noDatabase = await Crafy("credentials", "list");
        Assert.Equal(2, noDatabase.ExitCode);
        Assert.Equal("crafy: --database (or CRAFY_DATABASE) must be sqlite:<file> or postgresql:<connection string>.", noDatabase.Error.Trim());

        CliResult badPlan = await Crafy("credentials", "create", "--plan", "free", "--database", Database);
        Assert.Equal(2, badPlan.ExitCode);
        Assert.Contains("the plan must be starter, growth or scale", badPlan.Error, StringComparison.Ordinal);

        CliResult badDomain = await Crafy("credentials", "create", "--domain", "https://x.example/", "--database", Database);
        Assert.Equal(2, badDomain.ExitCode);
        Assert.Equal(string.Empty, badDomain.Output);

        CliResult missing = await Crafy("credentials", "disable", "pk_nobody", "--database", Database);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no stored credential has this public key", missing.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", missing.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The tool from its own output folder: it carries the package copies of the Data Protection assemblies that the
    /// EF Core key store needs, which a test project on the ASP.NET Core shared framework does not copy next to it.
    /// </summary>
    private static string CliPath
    {
        get
        {
            var bin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)); // tests/X/bin/<Configuration>/net10.0
            string configuration = bin.Parent!.Name;
            string path = Path.Combine(bin.Parent!.Parent!.Parent!.Parent!.Parent!.FullName, "src", "CrafyCaptcha.Cli", "bin", configuration, bin.Name, "CrafyCaptcha.Cli.dll");
            return File.Exists(path) ? path : Path.Combine(AppContext.BaseDirectory, "CrafyCaptcha.Cli.dll");
        }
    }

    private static Task<CliResult> Crafy(params string[] args) => CrafyTool.RunAsync(CliPath, args);

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
