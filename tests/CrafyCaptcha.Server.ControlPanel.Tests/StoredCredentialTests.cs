using CrafyCaptcha.Server.ControlPanel.Storage;
using CrafyCaptcha.Server.Credentials;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrafyCaptcha.Server.ControlPanel.Tests;

/// <summary>A new SQLite file per test, in a temporary folder.</summary>
public sealed class SqliteDatabases : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "crafy-sqlite-" + Guid.NewGuid().ToString("N"));

    public string NewConnectionString() => "Data Source=" + Path.Combine(_directory, "sub", Guid.NewGuid().ToString("N") + ".db") + ";Pooling=false";

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

public sealed class SqliteStoredCredentialTests(SqliteDatabases databases) : StoredCredentialTests(ControlPanelDatabase.Sqlite, databases.NewConnectionString), IClassFixture<SqliteDatabases>;

public sealed class PostgreSqlStoredCredentialTests(PostgreSqlServer server)
    : StoredCredentialTests(ControlPanelDatabase.PostgreSql, () => server.ConnectionString("crafy_" + Guid.NewGuid().ToString("N")[..12])), IClassFixture<PostgreSqlServer>;

/// <summary>
/// The store on a real database (run on SQLite and on PostgreSQL): what is written, what the engine's copy serves,
/// and when it stops serving it.
/// </summary>
public abstract class StoredCredentialTests(ControlPanelDatabase kind, Func<string> newConnectionString) : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
    private string _connectionString = null!;

    public Task InitializeAsync()
    {
        _connectionString = newConnectionString();
        return Task.CompletedTask;
    }

    private async Task<(CredentialRepository Repository, StoredCredentialSource Source)> InstanceAsync()
    {
        var database = new ControlPanelDatabaseServices(kind, _connectionString);
        _owned.Add(database);
        var repository = new CredentialRepository(database, _time);
        var source = new StoredCredentialSource(repository, Options.Create(new ControlPanelOptions()), _time, NullLogger<StoredCredentialSource>.Instance);
        await source.StartAsync(CancellationToken.None); // creates the schema on first run, then reads
        _owned.Add(new AsyncStop(source));
        return (repository, source);
    }

    [Fact]
    public async Task A_created_credential_is_served_at_once_with_its_secrets_stored_only_protected()
    {
        (CredentialRepository repository, StoredCredentialSource source) = await InstanceAsync();
        (CredentialChange result, CreatedCredential? created) = await repository.CreateAsync("Shop", "growth", ["Shop.Example", "bücher.de shop.example"]);
        Assert.Equal(CredentialChange.Done, result);
        ChallengeCredential c = created!.Credential;
        await source.RefreshAsync();

        ServedCredential served = Assert.IsType<ServedCredential>(ServedCredentials.Of(source.FindByPublicToken(c.PublicToken)));
        Assert.Same(served.Credential, source.FindByPublicKey(c.PublicKey)); // the same instance while unchanged (the engine derives its keys once per instance)
        Assert.Equal(c.SecretKey, served.Credential.SecretKey);
        Assert.Equal(created.SigningPublicKey, served.SigningPublicKey);
        Assert.Equal("growth", served.Plan.Name);
        Assert.True(served.AllowsHost("shop.example"));
        Assert.True(served.AllowsHost("xn--bcher-kva.de"));
        Assert.False(served.AllowsHost("evil.example"));

        await using ControlPanelDbContext db = await repository.Database.Contexts.CreateDbContextAsync();
        CredentialRow row = await db.Credentials.SingleAsync(r => r.PublicKey == c.PublicKey);
        Assert.DoesNotContain(c.SecretKey, row.ProtectedSecretKey, StringComparison.Ordinal);
        Assert.DoesNotContain(c.SigningPrivateKey, row.ProtectedSigningPrivateKey, StringComparison.Ordinal);
        Assert.Equal("shop.example\nxn--bcher-kva.de", row.Domains);
        Assert.NotEmpty(await db.DataProtectionKeys.ToListAsync()); // the key ring lives in the same database

        // What the panel lists carries no secret.
        CredentialSummary listed = Assert.Single(await repository.ListAsync());
        Assert.DoesNotContain(c.SecretKey, listed.ToString(), StringComparison.Ordinal);
        Assert.Equal("active", listed.StatusAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task Bad_plans_and_domains_are_refused_and_nothing_is_written()
    {
        (CredentialRepository repository, _) = await InstanceAsync();
        Assert.Equal(CredentialChange.InvalidPlan, (await repository.CreateAsync("x", "platinum", [])).Result);
        Assert.Equal(CredentialChange.InvalidDomain, (await repository.CreateAsync("x", "starter", ["https://shop.example/path"])).Result);
        Assert.Equal(CredentialChange.InvalidDomain, (await repository.CreateAsync("x", "starter", ["shop.example:8443"])).Result);
        Assert.Empty(await repository.ListAsync());
        Assert.Equal(CredentialChange.NotFound, await repository.SetDomainsAsync("pk_missing", ["a.example"]));
        Assert.Equal(CredentialChange.NotFound, await repository.DisableAsync("pk_missing"));
    }

    [Fact]
    public async Task Domains_changed_take_effect_on_this_instance_at_once_and_on_another_at_its_refresh()
    {
        (CredentialRepository repository, StoredCredentialSource source) = await InstanceAsync();
        (_, CreatedCredential? created) = await repository.CreateAsync("Shop", "starter", ["shop.example"]);
        string pk = created!.Credential.PublicKey;
        (_, StoredCredentialSource other) = await InstanceAsync(); // a second instance on the same database
        Assert.True(ServedCredentials.Of(other.FindByPublicKey(pk))!.AllowsHost("shop.example")); // it reads the secrets: shared Data Protection keys

        Assert.Equal(CredentialChange.Done, await repository.SetDomainsAsync(pk, ["new.example"]));
        await source.RefreshAsync(); // what the panel does after a change
        Assert.False(ServedCredentials.Of(source.FindByPublicKey(pk))!.AllowsHost("shop.example"));
        Assert.True(ServedCredentials.Of(source.FindByPublicKey(pk))!.AllowsHost("new.example"));
        Assert.True(ServedCredentials.Of(other.FindByPublicKey(pk))!.AllowsHost("shop.example")); // not yet: its copy is refreshed on its timer

        await other.RefreshAsync();
        Assert.False(ServedCredentials.Of(other.FindByPublicKey(pk))!.AllowsHost("shop.example"));
    }

    [Fact]
    public async Task A_plan_change_issues_a_new_public_token_and_the_old_one_stops()
    {
        (CredentialRepository repository, StoredCredentialSource source) = await InstanceAsync();
        (_, CreatedCredential? created) = await repository.CreateAsync("Shop", "starter", []);
        ChallengeCredential c = created!.Credential;

        Assert.Equal(CredentialChange.Done, await repository.SetPlanAsync(c.PublicKey, "SCALE"));
        await source.RefreshAsync();

        Assert.Null(ServedCredentials.Of(source.FindByPublicToken(c.PublicToken)));
        ServedCredential served = ServedCredentials.Of(source.FindByPublicKey(c.PublicKey))!;
        Assert.Equal("scale", served.Plan.Name);
        Assert.NotEqual(c.PublicToken, served.Credential.PublicToken);
        Assert.Same(served.Credential, source.FindByPublicToken(served.Credential.PublicToken));
        Assert.Equal(c.SecretKey, served.Credential.SecretKey); // the site's keys stay
        Assert.Equal(CredentialChange.InvalidPlan, await repository.SetPlanAsync(c.PublicKey, "free"));
    }

    [Fact]
    public async Task A_rotated_credential_works_beside_its_successor_until_the_grace_period_ends()
    {
        (CredentialRepository repository, StoredCredentialSource source) = await InstanceAsync();
        (_, CreatedCredential? created) = await repository.CreateAsync("Shop", "growth", ["shop.example"]);
        ChallengeCredential old = created!.Credential;

        (CredentialChange result, CreatedCredential? rotated) = await repository.RotateAsync(old.PublicKey, TimeSpan.FromHours(1));
        Assert.Equal(CredentialChange.Done, result);
        ChallengeCredential next = rotated!.Credential;
        await source.RefreshAsync();
        Assert.NotEqual(old.SecretKey, next.SecretKey);
        Assert.Equal("growth", next.Plan);
        Assert.True(ServedCredentials.Of(source.FindByPublicKey(next.PublicKey))!.AllowsHost("shop.example"));
        Assert.NotNull(ServedCredentials.Of(source.FindByPublicKey(old.PublicKey)));
        Assert.Equal(CredentialChange.NotActive, (await repository.RotateAsync(old.PublicKey, TimeSpan.FromHours(1))).Result);

        _time.Advance(TimeSpan.FromMinutes(59));
        Assert.NotNull(ServedCredentials.Of(source.FindByPublicToken(old.PublicToken)));
        _time.Advance(TimeSpan.FromMinutes(1)); // no refresh needed: the copy knows the retirement time
        Assert.Null(ServedCredentials.Of(source.FindByPublicToken(old.PublicToken)));
        Assert.Null(ServedCredentials.Of(source.FindByPublicKey(old.PublicKey)));
        Assert.NotNull(ServedCredentials.Of(source.FindByPublicKey(next.PublicKey)));

        await source.RefreshAsync();
        Assert.Null(ServedCredentials.Of(source.FindByPublicKey(old.PublicKey)));
        Assert.Equal("retired", (await repository.FindAsync(old.PublicKey))!.StatusAt(_time.GetUtcNow()));
    }

    [Fact]
    public async Task A_disabled_credential_stops_being_served()
    {
        (CredentialRepository repository, StoredCredentialSource source) = await InstanceAsync();
        (_, CreatedCredential? created) = await repository.CreateAsync("Shop", "starter", []);
        ChallengeCredential c = created!.Credential;
        await source.RefreshAsync();
        Assert.NotNull(ServedCredentials.Of(source.FindByPublicKey(c.PublicKey)));

        Assert.Equal(CredentialChange.Done, await repository.DisableAsync(c.PublicKey));
        await source.RefreshAsync();

        Assert.Null(ServedCredentials.Of(source.FindByPublicKey(c.PublicKey)));
        Assert.Null(ServedCredentials.Of(source.FindByPublicToken(c.PublicToken)));
        Assert.Equal(CredentialChange.NotActive, await repository.SetDomainsAsync(c.PublicKey, ["a.example"]));
        Assert.Equal(CredentialChange.NotActive, (await repository.RotateAsync(c.PublicKey, TimeSpan.Zero)).Result);
    }

    [Fact]
    public async Task A_credential_whose_data_protection_keys_are_gone_is_not_served_and_the_others_still_are()
    {
        (CredentialRepository repository, _) = await InstanceAsync();
        (_, CreatedCredential? lost) = await repository.CreateAsync("Lost", "starter", []);
        await using (ControlPanelDbContext db = await repository.Database.Contexts.CreateDbContextAsync())
        {
            db.DataProtectionKeys.RemoveRange(db.DataProtectionKeys);
            await db.SaveChangesAsync();
        }

        (CredentialRepository fresh, StoredCredentialSource source) = await InstanceAsync(); // a new key ring: the old secrets no longer open
        (_, CreatedCredential? kept) = await fresh.CreateAsync("Kept", "starter", []);
        await source.RefreshAsync();

        Assert.Null(ServedCredentials.Of(source.FindByPublicKey(lost!.Credential.PublicKey)));
        Assert.NotNull(ServedCredentials.Of(source.FindByPublicKey(kept!.Credential.PublicKey)));
        Assert.Equal(2, (await fresh.ListAsync()).Count); // still listed, so it can be disabled or rotated away
    }

    [Fact]
    public async Task Usage_from_two_instances_adds_up_in_one_row_per_credential_and_day()
    {
        (CredentialRepository repository, _) = await InstanceAsync();
        (_, CreatedCredential? created) = await repository.CreateAsync("Shop", "starter", []);
        string pk = created!.Credential.PublicKey;
        var first = new UsageRecorder(repository.Database, _time, NullLogger<UsageRecorder>.Instance);
        await using var otherDatabase = new ControlPanelDatabaseServices(kind, _connectionString);
        var second = new UsageRecorder(otherDatabase, _time, NullLogger<UsageRecorder>.Instance);

        first.Record(pk, ChallengeUsage.Flow, 0.05);
        first.Record(pk, ChallengeUsage.Flow, 0.95);
        first.Record(pk, ChallengeUsage.Escalation, 0);
        first.Record(pk, ChallengeUsage.Pass, 0);
        second.Record(pk, ChallengeUsage.Flow, 0.5);
        second.Record(pk, ChallengeUsage.Refusal, 0);
        await Task.WhenAll(first.FlushAsync(), second.FlushAsync()); // both may find no row and insert: one adds instead
        first.Record(pk, ChallengeUsage.Pass, 0);
        await first.FlushAsync();
        await first.FlushAsync(); // nothing pending: nothing added twice

        DailyUsage today = Assert.Single(await repository.UsageAsync(pk, 1));
        Assert.Equal("2026-11-27", today.Day);
        Assert.Equal((3L, 2L, 1L, 1L), (today.Flows, today.Passes, today.Refusals, today.Escalations));
        Assert.Equal([1L, 0L, 1L, 0L, 1L], today.RiskHistogram);

        _time.Advance(TimeSpan.FromDays(1));
        second.Record(pk, ChallengeUsage.Flow, 0.3);
        await second.FlushAsync();
        IReadOnlyList<DailyUsage> days = await repository.UsageAsync(pk, 2);
        Assert.Equal(["2026-11-27", "2026-11-28"], days.Select(d => d.Day));
        Assert.Equal([0L, 1L, 0L, 0L, 0L], days[1].RiskHistogram);
        first.Dispose();
        second.Dispose();
    }

    public async Task DisposeAsync()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private sealed class AsyncStop(StoredCredentialSource source) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await source.StopAsync(CancellationToken.None);
            source.Dispose();
        }
    }
}
