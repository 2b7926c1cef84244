namespace CrafyCaptcha;

/// <summary>
/// A site's CrafyCAPTCHA credential and limits. Bound from the <c>CrafyCaptcha</c> configuration section and the
/// <c>CRAFY_PUBLIC_KEY</c>, <c>CRAFY_SECRET_KEY</c>, <c>CRAFY_SIGNING_PUBLIC_KEY</c> variables; validated at start-up.
/// </summary>
public sealed class CrafyCaptchaOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "CrafyCaptcha";

    /// <summary>The default hosted API base address.</summary>
    public static readonly Uri DefaultApiBaseUrl = new("https://captcha.crafy.net/api");

    /// <summary>The Public Key: <c>pk_</c> followed by 32 lowercase hex characters. Safe to show in the browser.</summary>
    public string? PublicKey { get; set; }

    /// <summary>The Secret Key (normally <c>sk_</c> + 64 lowercase hex; treated as opaque UTF-8 text). Never sent to the browser.</summary>
    public string? SecretKey { get; set; }

    /// <summary>The base64 of the raw 32-byte Ed25519 public key the browser widget checks messages with.</summary>
    public string? SigningPublicKey { get; set; }

    /// <summary>The hosted REST API's base address (default <c>https://captcha.crafy.net/api</c>).</summary>
    public Uri ApiBaseUrl { get; set; } = DefaultApiBaseUrl;

    /// <summary>
    /// The longest a page waits for the hosted API's public token when it has none (default 1 second). The API call
    /// goes on in the background; until it succeeds, widgets render in their error state instead of delaying the page.
    /// </summary>
    public TimeSpan PublicTokenTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a created flow's nonce stays usable (default 20 minutes, as the official SDKs).</summary>
    public TimeSpan FlowLifetime { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// The most flows the default in-process nonce store accepts within one <see cref="FlowLifetime"/> (default
    /// 1,000,000, about 400 MB); past it, creating a flow fails with <see cref="NonceStoreUnavailableException"/>.
    /// </summary>
    public long MaxOutstandingFlows { get; set; } = 1_000_000;

    /// <summary>
    /// The prefix of every nonce key in the app's shared <c>IDistributedCache</c> (default <c>crafy:nonce:</c>). Every
    /// instance of a farm computes the same keys from it, so a flow created on one instance is consumed on another and
    /// survives a restart. Give two apps that share one cache different prefixes.
    /// </summary>
    public string NonceKeyPrefix { get; set; } = "crafy:nonce:";

    /// <summary>
    /// Accepts, on a shared <c>IDistributedCache</c> that cannot remove an entry atomically across processes (SQL Server,
    /// NCache, Cosmos, any other than Redis), replay protection that is atomic only inside each process: two instances
    /// that receive the same token at the same moment may both accept it. Default <see langword="false"/>: outside
    /// Development such a cache stops the app at start-up with a message naming the two ways out (the Redis nonce store,
    /// or this opt-in). The in-memory cache and Redis' <c>RedisCache</c> need neither.
    /// </summary>
    public bool AcceptPerProcessReplayProtection { get; set; }

    /// <summary>Tokens longer than this many characters are rejected before any decoding (default 8192).</summary>
    public int MaxTokenLength { get; set; } = 8192;
}
