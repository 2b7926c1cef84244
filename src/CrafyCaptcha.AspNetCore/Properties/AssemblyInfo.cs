using Microsoft.Extensions.Localization;

// The failure messages live in Resources/CrafyCaptchaMessages*.resx, whatever ResourcesPath the app sets for its own.
[assembly: ResourceLocation("Resources")]
