using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CrafyCaptcha.Server;
using CrafyCaptcha.Server.ControlPanel;
using CrafyCaptcha.Server.ControlPanel.Storage;

namespace CrafyCaptcha.Cli;

/// <summary>
/// <c>crafy credentials …</c>: the control panel's operations on its database (<c>--database sqlite:&lt;file&gt;</c> or
/// <c>postgresql:&lt;connection string&gt;</c>, or <c>CRAFY_DATABASE</c>). Secrets are printed once, at create and rotate.
/// A running engine sees the change at its next refresh (<c>RefreshInterval</c>, 10 s by default).
/// </summary>
internal static class CredentialsCommand
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(TextWriter output)
    {
        var database = new Option<string?>("--database")
        {
            Description = "The control panel's database: sqlite:<file> or postgresql:<connection string> (default: the CRAFY_DATABASE environment variable).",
            Recursive = true,
        };
        var format = new Option<string>("--format") { Description = "text (default) or json.", DefaultValueFactory = _ => "text", Recursive = true };
        format.AcceptOnlyFromAmong("text", "json");
        var name = new Option<string?>("--name") { Description = "A name for people (default: the public key)." };
        var plan = new Option<string>("--plan") { Description = "starter (default), growth or scale.", DefaultValueFactory = _ => "starter" };
        var domains = new Option<string[]>("--domain") { Description = "A host name allowed to embed the challenge (repeatable; localhost is always allowed)." };
        var publicKey = new Argument<string>("public-key") { Description = "The credential's public key (pk_…)." };
        var planArgument = new Argument<string>("plan") { Description = "starter, growth or scale." };
        var grace = new Option<TimeSpan?>("--grace") { Description = "How long the old credential keeps working (default 1.00:00:00, 24 hours)." };
        var days = new Option<int>("--days") { Description = "How many days back (default 30).", DefaultValueFactory = _ => 30 };

        var create = new Command("create", "Create a credential; its secret key and signing private key are printed once.") { name, plan, domains };
        create.SetAction((r, ct) => WithRepository(r, database, async repository =>
        {
            (CredentialChange result, CreatedCredential? created) = await repository.CreateAsync(r.GetValue(name), r.GetValue(plan)!, r.GetValue(domains) ?? [], ct);
            return created is null ? Refuse(result) : WriteCreated(output, r.GetValue(format)!, created);
        }));

        var list = new Command("list", "List the stored credentials (no secret).");
        list.SetAction((r, ct) => WithRepository(r, database, async repository =>
        {
            IReadOnlyList<CredentialSummary> all = await repository.ListAsync(ct);
            if (r.GetValue(format) == "json")
            {
                output.WriteLine(new JsonArray([.. all.Select(c => (JsonNode)Json(c))]).ToJsonString(Pretty));
            }
            else
            {
                foreach (CredentialSummary c in all)
                {
                    output.WriteLine($"{c.PublicKey}  {c.StatusAt(DateTimeOffset.UtcNow),-8}  {c.Plan,-7}  {c.Name}  [{string.Join(", ", c.Domains)}]");
                }
            }

            return CrafyCommand.Ok;
        }));

        var setDomains = new Command("domains", "Replace the credential's allowed domains with the --domain values (none: localhost only).") { publicKey, domains };
        setDomains.SetAction((r, ct) => WithRepository(r, database, async repository =>
            Done(output, await repository.SetDomainsAsync(r.GetValue(publicKey)!, r.GetValue(domains) ?? [], ct), "domains saved")));

        var setPlan = new Command("plan", "Change the plan; a new public token is issued (bearers already issued keep their limits until they authenticate again).") { publicKey, planArgument };
        setPlan.SetAction((r, ct) => WithRepository(r, database, async repository =>
        {
            CredentialChange result = await repository.SetPlanAsync(r.GetValue(publicKey)!, r.GetValue(planArgument)!, ct);
            return result == CredentialChange.Done
                ? Done(output, result, "plan changed; new public token: " + (await repository.FindAsync(r.GetValue(publicKey)!, ct))!.PublicToken)
                : Refuse(result);
        }));

        var rotate = new Command("rotate", "Create a new credential beside this one (same name, plan, domains); the old one is retired after the grace period.") { publicKey, grace };
        rotate.SetAction((r, ct) => WithRepository(r, database, async repository =>
        {
            (CredentialChange result, CreatedCredential? created) = await repository.RotateAsync(r.GetValue(publicKey)!, r.GetValue(grace) ?? TimeSpan.FromHours(24), ct);
            return created is null ? Refuse(result) : WriteCreated(output, r.GetValue(format)!, created);
        }));

        var disable = new Command("disable", "Stop serving the credential.") { publicKey };
        disable.SetAction((r, ct) => WithRepository(r, database, async repository =>
            Done(output, await repository.DisableAsync(r.GetValue(publicKey)!, ct), "disabled")));

        var usage = new Command("usage", "Usage per UTC day: flows, passes, refusals, escalations, risk-score histogram.") { publicKey, days };
        usage.SetAction((r, ct) => WithRepository(r, database, async repository =>
        {
            IReadOnlyList<DailyUsage> rows = await repository.UsageAsync(r.GetValue(publicKey)!, r.GetValue(days), ct);
            if (r.GetValue(format) == "json")
            {
                output.WriteLine(new JsonArray([.. rows.Select(u => (JsonNode)new JsonObject
                {
                    ["day"] = u.Day,
                    ["flows"] = u.Flows,
                    ["passes"] = u.Passes,
                    ["refusals"] = u.Refusals,
                    ["escalations"] = u.Escalations,
                    ["risk"] = new JsonArray([.. u.RiskHistogram.Select(n => (JsonNode)JsonValue.Create(n))]),
                })]).ToJsonString(Pretty));
            }
            else
            {
                output.WriteLine("day         flows  passes  refusals  escalations  risk 0-.2/.2-.4/.4-.6/.6-.8/.8-1");
                foreach (DailyUsage u in rows)
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{u.Day}  {u.Flows,5}  {u.Passes,6}  {u.Refusals,8}  {u.Escalations,11}  {string.Join('/', u.RiskHistogram)}"));
                }
            }

            return CrafyCommand.Ok;
        }));

        return new Command("credentials", "The control panel's stored credentials (the database the engine's AddCrafyControlPanel uses).")
        {
            database, format, create, list, setDomains, setPlan, rotate, disable, usage,
        };
    }

    private static async Task<int> WithRepository(ParseResult result, Option<string?> option, Func<ControlPanelCredentialStore, Task<int>> action)
    {
        string? value = result.GetValue(option);
        if (string.IsNullOrEmpty(value))
        {
            value = Environment.GetEnvironmentVariable("CRAFY_DATABASE");
        }

        ControlPanelCredentialStore store;
        try
        {
            store = await ControlPanelCredentialStore.OpenAsync(value ?? string.Empty);
        }
        catch (ArgumentException)
        {
            throw new CrafyCommand.UsageException("--database (or CRAFY_DATABASE) must be sqlite:<file> or postgresql:<connection string>.");
        }

        await using (store)
        {
            return await action(store);
        }
    }

    private static int WriteCreated(TextWriter output, string format, CreatedCredential created)
    {
        ChallengeCredential c = created.Credential;
        if (format == "json")
        {
            output.WriteLine(new JsonObject
            {
                ["name"] = created.Name,
                ["publicKey"] = c.PublicKey,
                ["secretKey"] = c.SecretKey,
                ["signingPublicKey"] = created.SigningPublicKey,
                ["signingPrivateKey"] = c.SigningPrivateKey,
                ["publicToken"] = c.PublicToken,
                ["plan"] = c.Plan,
                ["domains"] = new JsonArray([.. c.Domains.Select(d => (JsonNode)JsonValue.Create(d))]),
            }.ToJsonString(Pretty));
            return CrafyCommand.Ok;
        }

        output.WriteLine($"Name:                {created.Name}");
        output.WriteLine($"Public key:          {c.PublicKey}");
        output.WriteLine($"Secret key:          {c.SecretKey}");
        output.WriteLine($"Signing public key:  {created.SigningPublicKey}");
        output.WriteLine($"Signing private key: {c.SigningPrivateKey}");
        output.WriteLine($"Public token:        {c.PublicToken}");
        output.WriteLine($"Plan:                {c.Plan}");
        output.WriteLine($"Domains:             {string.Join(", ", c.Domains)}");
        output.WriteLine();
        output.WriteLine("The secret key and the signing private key are shown once: keep them out of source control.");
        return CrafyCommand.Ok;
    }

    private static int Done(TextWriter output, CredentialChange result, string message)
    {
        if (result != CredentialChange.Done)
        {
            return Refuse(result);
        }

        output.WriteLine(message);
        return CrafyCommand.Ok;
    }

    private static int Refuse(CredentialChange result) => result switch
    {
        CredentialChange.InvalidPlan => throw new CrafyCommand.UsageException("the plan must be starter, growth or scale."),
        CredentialChange.InvalidDomain => throw new CrafyCommand.UsageException("every --domain must be a host name such as shop.example (no scheme, port or path)."),
        CredentialChange.NotFound => throw new CrafyCommand.UsageException("no stored credential has this public key."),
        CredentialChange.NotActive => throw new CrafyCommand.UsageException("this credential is disabled or already rotated."),
        _ => throw new CrafyCommand.UsageException("the change was not made."),
    };

    private static JsonObject Json(CredentialSummary c) => new()
    {
        ["name"] = c.Name,
        ["publicKey"] = c.PublicKey,
        ["publicToken"] = c.PublicToken,
        ["plan"] = c.Plan,
        ["domains"] = new JsonArray([.. c.Domains.Select(d => (JsonNode)JsonValue.Create(d))]),
        ["signingPublicKey"] = c.SigningPublicKey,
        ["status"] = c.StatusAt(DateTimeOffset.UtcNow),
        ["createdAt"] = c.CreatedAt,
        ["retiresAt"] = c.RetiresAt,
        ["replacedBy"] = c.ReplacedBy,
    };
}
