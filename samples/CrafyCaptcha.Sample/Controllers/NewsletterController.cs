using CrafyCaptcha.AspNetCore;
using CrafyCaptcha.Sample.Models;
using Microsoft.AspNetCore.Mvc;

namespace CrafyCaptcha.Sample.Controllers;

/// <summary>[ApiController] under a Reject-mode policy: a failed captcha is a 400 ProblemDetails with the stable code, before the action runs. Token in the X-Crafy-Captcha-Token header.</summary>
[ApiController]
[Route("api/newsletter")]
[RequireCrafyCaptcha("comments")]
public sealed class NewsletterController : ControllerBase
{
    [HttpPost]
    public IActionResult Subscribe(NewsletterSignup signup) => Ok(new { subscribed = signup.Email });

    [HttpDelete]
    [IgnoreCrafyCaptcha]
    public IActionResult Unsubscribe([FromQuery] string email) => Ok(new { unsubscribed = email });
}
