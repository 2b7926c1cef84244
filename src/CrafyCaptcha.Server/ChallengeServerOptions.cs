namespace CrafyCaptcha.Server;

/// <summary>The challenge engine's settings (configuration section <c>CrafyChallengeServer</c>).</summary>
public sealed class ChallengeServerOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyChallengeServer";

    /// <summary>The credentials served besides the development credential.</summary>
    public IList<ChallengeCredential> Credentials { get; } = [];

    /// <summary>
    /// Creates (once) and serves a development credential, persisted in <see cref="DevelopmentCredentialPath"/> with its
    /// secrets protected by ASP.NET Core Data Protection (default <see langword="true"/>). Only in the Development
    /// environment: elsewhere the app must be given keys, or it does not start.
    /// </summary>
    public bool UseDevelopmentCredential { get; set; } = true;

    /// <summary>Where the development credential is kept (default <c>{ContentRoot}/.crafy/dev-credential.json</c>).</summary>
    public string? DevelopmentCredentialPath { get; set; }

    /// <summary>The proof-of-work search space at risk 0 (default 20,000: about 0.1 s in a browser); it grows tenfold at risk 1.</summary>
    public int PowMaxNumber { get; set; } = 20_000;

    /// <summary>
    /// Into how many independent challenges a flow's proof-of-work is split (default 8; 1 to 64). The hashes a browser
    /// computes stay the same on average (each part searches <c>ceil(maxnumber / PowParts)</c>); the slowest passes get
    /// much faster, because a sum of several uniform searches varies less than one (the 95th percentile of the work
    /// drops from 95 % of the search space to about 67 % with 8 parts).
    /// </summary>
    public int PowParts { get; set; } = 8;

    /// <summary>The proof-of-work's algorithm (<c>SHA-256</c> or <c>ARGON2ID</c>) and Argon2id's parameters (section <c>CrafyChallengeServer:Pow</c>).</summary>
    public ChallengePowOptions Pow { get; } = new();

    /// <summary>How long a proof-of-work challenge can be answered (default 5 minutes).</summary>
    public TimeSpan PowLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a flow (one iframe load) lives (default 10 minutes).</summary>
    public TimeSpan FlowLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long an issued captcha token is valid (default 5 minutes).</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The risk engine: thresholds of the ladder, weights, velocity budgets, address lists (section <c>CrafyChallengeServer:Risk</c>).</summary>
    public CrafyCaptcha.Server.Risk.ChallengeRiskOptions Risk { get; } = new();

    /// <summary>The per-flow instrumentation program (section <c>CrafyChallengeServer:Instrumentation</c>); on by default.</summary>
    public ChallengeInstrumentationOptions Instrumentation { get; } = new();

    /// <summary>How the engine reaches Cloudflare Turnstile for credentials with Turnstile keys (section <c>CrafyChallengeServer:Turnstile</c>).</summary>
    public ChallengeTurnstileOptions Turnstile { get; } = new();

    /// <summary>Set by <c>AddEmbeddedChallengeServer</c>: the engine runs inside the SDK's app, whose keys it may serve.</summary>
    internal bool Embedded { get; set; }

}
