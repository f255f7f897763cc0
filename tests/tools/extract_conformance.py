#!/usr/bin/env python3
"""Extract golden PowerShell conformance cases from the PowerShell 7 about_* docs.

Source: https://github.com/MicrosoftDocs/PowerShell-Docs (CC BY 4.0),
folder reference/7.5/Microsoft.PowerShell.Core/About/.

How to run (stdlib only, deterministic; rewrites every generated file):

    git --git-dir=<mirror-of-PowerShell-Docs> archive <commit> \
        reference/7.5/Microsoft.PowerShell.Core/About | tar -x -C /tmp/psdocs
    python3 tests/tools/extract_conformance.py \
        /tmp/psdocs/reference/7.5/Microsoft.PowerShell.Core/About <commit> [--date YYYY-MM-DD]

Options:
    --out DIR     output directory (default: tests/conformance next to this tool)
    --date D      the date written to SOURCE.md (default: the commit date is unknown
                  to this script, so pass it; otherwise the previous SOURCE.md date
                  is kept, or 'unknown')
    --review      also print a review listing (cases with their setup provenance)
                  to stdout

Outputs (under tests/conformance/):
    cases/<topic>.txt   one file per topic with at least one case:
                            #### case about_X.md:LINE
                            #### setup
                            ...
                            #### script
                            ...
                            #### output
                            ...
                            #### end
                        LINE is the 1-based line of the opening fence of the
                        example's code block in the .md file.
    excluded.tsv        about_X.md:LINE<TAB>reason, for every example that has
                        documented output but was not made a case.
    SOURCE.md           provenance, counts and license attribution.

What is an example:
  * a ```powershell block followed (only blank lines between) by an ```Output
    block: script = code, output = the Output block;
  * a ```powershell block whose commands follow a `PS>`-style prompt: script =
    the prompted commands (continuation lines joined), output = the other lines
    (plus a directly following Output block);
  * an Output block separated from the preceding code block by prose is paired
    only when listed in PROSE_PAIRS (reviewed by hand: the prose only introduces
    the output); otherwise it is recorded as excluded (`prose-between`).

Setup: variables, functions, classes and enums a case uses but does not define are
looked up in the earlier code blocks of the same topic (nearest definition first,
plus later blocks that mutate a used variable); the needed blocks form `#### setup`.
Hand-reviewed decisions (setup fixes, exclusions, doc errors) live in OVERRIDES below;
they are keyed by the example's `topic.md:LINE` and so are tied to the commit
recorded in SOURCE.md.  When re-extracting from a newer commit, re-review them
(the script warns about override keys that match no example).
"""

import argparse
import collections
import os
import re
import sys

# --------------------------------------------------------------------------
# Markdown parsing
# --------------------------------------------------------------------------

FENCE_OPEN = re.compile(r'^(\s*)(`{3,}|~{3,})\s*([^`\s]*)\s*$')
FENCE_CLOSE = re.compile(r'^(\s*)(`{3,}|~{3,})\s*$')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')


class Block:
    def __init__(self, idx, line, end, lang, body, heads, prose_before):
        self.idx = idx            # index in the topic's block list
        self.line = line          # 1-based line of the opening fence
        self.end = end            # 1-based line of the closing fence
        self.lang = lang          # lower-cased info string
        self.body = body          # list of lines (fence indentation removed)
        self.heads = heads        # heading path, e.g. ['about_X', 'Long description', ...]
        self.prose_before = prose_before  # list of non-blank lines since previous block

    @property
    def section(self):
        return tuple(self.heads[:3])

    @property
    def h2(self):
        return tuple(self.heads[:2])


def parse_blocks(text):
    lines = text.split('\n')
    blocks = []
    in_block = False
    heads = []
    prev_end = 0
    for i, line in enumerate(lines):
        if not in_block:
            mh = HEADING.match(line)
            if mh:
                level = len(mh.group(1))
                heads = heads[:level - 1] + [''] * max(0, level - 1 - len(heads)) + [mh.group(2)]
                continue
            m = FENCE_OPEN.match(line)
            if m:
                in_block = True
                fence = m.group(2)
                indent = len(m.group(1))
                lang = m.group(3).lower()
                start = i
                body = []
                prose = [x for x in lines[prev_end:i] if x.strip()]
        else:
            m = FENCE_CLOSE.match(line)
            if m and m.group(2)[0] == fence[0] and len(m.group(2)) >= len(fence):
                in_block = False
                prev_end = i + 1
                blocks.append(Block(len(blocks), start + 1, i + 1, lang, body,
                                    list(heads), prose))
            else:
                if line[:indent].strip() == '':
                    body.append(line[indent:])
                else:
                    body.append(line.lstrip())
    return blocks


def trim_lines(lines):
    lines = [l.rstrip() for l in lines]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


# --------------------------------------------------------------------------
# A tiny PowerShell lexer: completeness of a command, literal stripping
# --------------------------------------------------------------------------

SQ = "'\u2018\u2019\u201a\u201b"
DQ = '"\u201c\u201d\u201e'


def _scan(src, keep_dq=True):
    """Return (stripped, incomplete).  `stripped` has comments and
    single-quoted/verbatim here-string contents blanked (so that variable
    references can be searched); `incomplete` tells whether the source ends
    inside a string, comment, bracket or after a line-continuation."""
    out = []
    stack = []
    i = 0
    n = len(src)

    def blank(s):
        return re.sub(r'[^\n]', ' ', s)

    while i < n:
        c = src[i]
        if src.startswith('<#', i):
            j = src.find('#>', i + 2)
            if j < 0:
                return ''.join(out), True
            out.append(blank(src[i:j + 2]))
            i = j + 2
        elif c == '#':
            j = src.find('\n', i)
            j = n if j < 0 else j
            out.append(blank(src[i:j]))
            i = j
        elif c == '@' and i + 1 < n and (src[i + 1] in SQ or src[i + 1] in DQ) \
                and re.match(r'[ \t]*(\r?\n|$)', src[i + 2:]):
            q = src[i + 1]
            m = re.compile(r'\n[ \t]*[' + (SQ if q in SQ else DQ) + ']@').search(src, i + 2)
            if not m:
                return ''.join(out), True
            seg = src[i:m.end()]
            out.append(blank(seg) if q in SQ else seg)
            i = m.end()
        elif c in SQ:
            j = i + 1
            while True:
                if j >= n:
                    return ''.join(out), True
                if src[j] in SQ:
                    if j + 1 < n and src[j + 1] in SQ:
                        j += 2
                        continue
                    break
                j += 1
            out.append(' ' * 0 + "'" + blank(src[i + 1:j]) + "'")
            i = j + 1
        elif c in DQ:
            j = i + 1
            depth = 0
            while True:
                if j >= n:
                    return ''.join(out), True
                ch = src[j]
                if ch == '`':
                    j += 2
                    continue
                if depth == 0 and ch in DQ:
                    if j + 1 < n and src[j + 1] in DQ:
                        j += 2
                        continue
                    break
                if src.startswith('$(', j):
                    depth += 1
                    j += 2
                    continue
                if depth and ch == '(':
                    depth += 1
                elif depth and ch == ')':
                    depth -= 1
                j += 1
            out.append(src[i:j + 1])
            i = j + 1
        elif c == '`':
            out.append(src[i:i + 2])
            i += 2
        else:
            if c in '([{':
                stack.append(c)
            elif c in ')]}':
                if stack:
                    stack.pop()
            out.append(c)
            i += 1
    stripped = ''.join(out)
    tail = stripped.rstrip()
    incomplete = bool(stack) or tail.endswith('|') or tail.endswith('`') \
        or src.rstrip().endswith('`')
    return stripped, incomplete


def is_incomplete(src):
    return _scan(src)[1]


def strip_literals(src):
    return _scan(src)[0]


# --------------------------------------------------------------------------
# Prompt blocks
# --------------------------------------------------------------------------

PROMPT = re.compile(r'^PS(?: [^>\u276f\n]*)?[>\u276f](?: |$)')


def has_prompt(body):
    return any(PROMPT.match(l) for l in body)


def split_prompt_block(body):
    """Return (commands, outputs, leading_lines): one output list per command.

    Lines before the first prompt are code (e.g. a function definition that the
    prompted commands call).  A `#` comment line directly followed by a prompt
    line is an annotation of the next command, not output; so is a lone
    `# No output ...` line."""
    cmds = []
    outs = []
    lead = []
    pending = []
    i = 0
    seen = False
    while i < len(body):
        line = body[i]
        m = PROMPT.match(line)
        if m:
            seen = True
            cmd = pending + [line[m.end():]]
            pending = []
            i += 1
            while is_incomplete('\n'.join(cmd)) and i < len(body) and not PROMPT.match(body[i]):
                nxt = body[i]
                nxt = re.sub(r'^>> ?', '', nxt)
                cmd.append(nxt)
                i += 1
            cmds.append('\n'.join(cmd).rstrip())
            outs.append([])
        else:
            nxt_is_prompt = i + 1 < len(body) and PROMPT.match(body[i + 1])
            if seen and line.startswith('#') and (nxt_is_prompt or line.startswith('# No output')):
                pending.append(line)
            elif seen:
                outs[-1].append(line)
            else:
                lead.append(line)
            i += 1
    return cmds, outs, lead


# --------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------

class Example:
    def __init__(self, topic, line, kind, code_block, out_blocks, script, output, lead=None):
        self.topic = topic
        self.line = line
        self.kind = kind              # 'pair', 'prompt', 'prose-pair', 'orphan'
        self.code_block = code_block  # Block or None
        self.out_blocks = out_blocks  # list of Block
        self.script = script          # list of lines
        self.output = output          # list of lines
        self.lead = lead or []
        self.setup_blocks = []
        self.setup_text = []
        self.notes = []
        self.table_outputs = 0

    @property
    def key(self):
        return '%s.md:%d' % (self.topic, self.line)


PS_LANGS = ('powershell',)


def block_code(b):
    """The PowerShell code of a block (prompt blocks: the commands only)."""
    if has_prompt(b.body):
        cmds, _, lead = split_prompt_block(b.body)
        return trim_lines(lead + '\n'.join(cmds).split('\n'))
    return trim_lines(b.body)


def find_examples(topic, blocks):
    examples = []
    used_out = set()
    for k, b in enumerate(blocks):
        if b.lang not in PS_LANGS:
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        out_follows = nxt is not None and nxt.lang == 'output'
        adjacent = out_follows and not nxt.prose_before
        if has_prompt(b.body):
            cmds, outs, lead = split_prompt_block(b.body)
            out_blocks = []
            # blank lines between a command's output and the next prompt are
            # typographic: trim each command's output separately
            output = []
            for o in outs:
                output += trim_lines(o)
            if adjacent:
                output += nxt.body
                out_blocks.append(nxt)
                used_out.add(nxt.idx)
            script = trim_lines(lead + '\n'.join(cmds).split('\n'))
            output = trim_lines(output)
            if not output:
                continue
            ex = Example(topic, b.line, 'prompt', b, out_blocks, script, output, lead)
            # separate prompts print separate tables; one script would merge them
            ex.table_outputs = sum(1 for o in outs
                                   if any(re.match(r'^-+( +-+)+\s*$', l) for l in o))
            examples.append(ex)
        elif out_follows:
            key = '%s.md:%d' % (topic, nxt.line)
            if adjacent:
                kind = 'pair'
            elif key in PROSE_PAIRS:
                kind = 'prose-pair'
            else:
                continue  # handled as orphan below
            used_out.add(nxt.idx)
            ex = Example(topic, b.line, kind, b, [nxt], trim_lines(b.body), trim_lines(nxt.body))
            examples.append(ex)
    by_line = {b.line: b for b in blocks}
    have = {e.line for e in examples}
    for b in blocks:
        key = '%s.md:%d' % (topic, b.line)
        if key in SHARED_OUTPUT and b.line not in have:
            ob = by_line[SHARED_OUTPUT[key]]
            used_out.add(ob.idx)
            examples.append(Example(topic, b.line, 'shared-output', b, [ob],
                                    block_code(b), trim_lines(ob.body)))
    for b in blocks:
        if b.lang == 'output' and b.idx not in used_out:
            ex = Example(topic, b.line, 'orphan', None, [b], [], trim_lines(b.body))
            examples.append(ex)
    examples.sort(key=lambda e: e.line)
    return examples


# --------------------------------------------------------------------------
# Portability classification
# --------------------------------------------------------------------------

def _rx(*pats):
    return re.compile('|'.join('(?:%s)' % p for p in pats), re.I)


# (reason, pattern on code (setup+script), pattern on output)
RULES = [
    ('help-system', _rx(r'\bGet-Help\b', r'\bUpdate-Help\b', r'\bSave-Help\b', r'\bhelp\s+about_'), None),
    ('introspection', _rx(r'\bGet-Command\b', r'\bGet-Module\b', r'\bGet-Member\b', r'\bgm\b',
                          r'\bGet-Verb\b', r'\bGet-TypeData\b', r'\bGet-FormatData\b',
                          r'\bShow-Command\b', r'\bGet-PSSnapin\b', r'\bTrace-Command\b',
                          r'\bGet-ExperimentalFeature\b', r'\.GetMethods?\(', r'\.GetProperties\(',
                          r'\bGet-Alias\b', r'\bGet-PSReadLineKeyHandler\b',
                          r'\.OverloadDefinitions', r'\bGet-PSCallStack\b'), None),
    ('registry', _rx(r'\bHK(LM|CU|CR|U)\b', r'Registry::', r'Get-ItemProperty'), _rx(r'\bHKEY_')),
    ('com/wmi', _rx(r'\bGet-WmiObject\b', r'\bGet-CimInstance\b', r'\bCim\w*\b', r'-ComObject\b',
                    r'\bWin32_', r'\bWQL\b', r'\[wmi\w*\]', r'\bInvoke-CimMethod\b', r'WScript'), None),
    ('jobs/remoting', _rx(r'\bStart-Job\b', r'\bReceive-Job\b', r'\bGet-Job\b', r'\bWait-Job\b',
                          r'\bStop-Job\b', r'\bRemove-Job\b', r'\bStart-ThreadJob\b', r'-AsJob\b',
                          r'\bInvoke-Command\b', r'\b\w+-PSSession\w*\b', r'-ComputerName\b',
                          r'-Parallel\b', r'\bRegister-\w*Event\b', r'\bGet-Event\w*\b',
                          r'\bNew-PSSessionConfigurationFile\b', r'\bStart-Process\b',
                          r'\bWSMan', r'\bRunspace', r'\bPowerShell\]::Create'), None),
    ('network', _rx(r'\bInvoke-WebRequest\b', r'\bInvoke-RestMethod\b', r'\biwr\b', r'\birm\b',
                    r'\bTest-Connection\b', r'\[System\.Net\.', r'\bhttps?://'), None),
    ('windows-path', _rx(r'\b[A-Z]:\\', r'\\\\[A-Za-z]\w*\\', r'\$env:windir', r'\bSystem32\b',
                         r'\.exe\b', r'\bcmd(\.exe)?\s+/c\b', r'\bnotepad\b'),
     _rx(r'\b[A-Z]:\\', r'\\\\[A-Za-z]\w*\\')),
    ('interactive-prompt', _rx(r'\bRead-Host\b', r'\bGet-Credential\b', r'\bPromptForChoice\b',
                               r'\bfunction\s+prompt\b', r'\bPSReadLine', r'\bPSConsoleHostReadLine\b',
                               r'\$Host\.UI\b', r'\bpause\b', r'-Confirm\b', r'\bOut-GridView\b',
                               r'\$PSDebugContext\b', r'\bSet-PSBreakpoint\b', r'\bGet-PSBreakpoint\b',
                               r'\bWait-Debugger\b', r'\bSet-PSDebug\b', r'\bEnter-PSHostProcess\b'),
     _rx(r'^Supply values for the following parameters', r'^\[Y\] Yes', r'^Confirm$')),
    ('time-dependent', _rx(r'\bGet-Date\b(?!\s+(-Date\s+)?[\'"(\[]?\d)(?!\s+-Date\s+\$)',
                           r'\[datetime\]::(Now|Today|UtcNow)', r'\bMeasure-Command\b',
                           r'\bStart-Sleep\b', r'\bStopwatch\b', r'\bNew-TimeSpan\b(?!\s+-\w)',
                           r'\bGet-Uptime\b', r'\bDateTime\]::Now', r'\[datetime\]::UtcNow',
                           r'\(Get-Date\)'), None),
    ('random', _rx(r'\bGet-Random\b', r'\bNew-Guid\b', r'\bNewGuid\b', r'\bSystem\.Random\b',
                   r'\[Random\]'), None),
    ('file-system', _rx(r'\bGet-ChildItem\b', r'\bgci\b', r'(^|[|;({]\s*)(dir|ls|cat|type)\b', r'\bGet-Item\b',
                        r'\bGet-Content\b', r'\bSet-Content\b', r'\bAdd-Content\b', r'\bOut-File\b',
                        r'\bNew-Item\b', r'\bRemove-Item\b', r'\bCopy-Item\b', r'\bMove-Item\b',
                        r'\bRename-Item\b', r'\bClear-Content\b', r'\bResolve-Path\b', r'\bConvert-Path\b',
                        r'\bSet-Location\b', r'(^|[|;({]\s*)cd\b', r'\bPush-Location\b', r'\bPop-Location\b',
                        r'\bImport-Csv\b', r'\bExport-Csv\b', r'\bExport-Clixml\b', r'\bImport-Clixml\b',
                        r'\bImport-Module\b', r'\bImport-PowerShellDataFile\b', r'\bImport-LocalizedData\b',
                        r'\bStart-Transcript\b', r'\bGet-Acl\b', r'\bSet-Acl\b', r'\bTee-Object\b.*-FilePath',
                        r'\[System\.IO\.', r'\[IO\.', r'\.ps1\b', r'\.psm1\b', r'\.psd1\b', r'\.txt\b',
                        r'\.log\b', r'\.csv\b', r'\bNew-ModuleManifest\b', r'\bUnblock-File\b',
                        r'\bSet-AuthenticodeSignature\b', r'\bGet-AuthenticodeSignature\b',
                        r'\bGet-FileHash\b', r'\bGet-PSDrive\b', r'\bNew-PSDrive\b', r'\bGet-PSProvider\b',
                        r'\bInvoke-Item\b', r'\bSplit-Path\b', r'\bJoin-Path\b', r'\bTest-Path\b(?!\s+(-Path\s+)?[\'"]?(variable|function|alias|env):)',
                        r'(?<![<>2&*])>>?\s*[\w$.\\/]+\.\w+', r'\bOut-Printer\b', r'\bCert:'), None),
    ('machine-state', _rx(r'\bGet-Process\b', r'\bgps\b', r'\bStop-Process\b', r'\bGet-Service\b',
                          r'\bStart-Service\b', r'\bStop-Service\b', r'\$PID\b', r'\$Host\b',
                          r'\bGet-Host\b', r'\$PSHOME\b', r'\$env:', r'\benv:', r'\$HOME\b', r'\$PWD\b',
                          r'\bGet-Location\b', r'\bpwd\b', r'\$PSVersionTable\b', r'\$PSEdition\b',
                          r'\$IsWindows\b', r'\$IsLinux\b', r'\$IsMacOS\b', r'\[Environment\]',
                          r'\[System\.Environment\]', r'\bGet-Culture\b', r'\bGet-UICulture\b',
                          r'\$PSCulture\b', r'\$PSUICulture\b', r'\bGet-History\b', r'\bGet-EventLog\b',
                          r'\bGet-WinEvent\b', r'\bGet-ExecutionPolicy\b', r'\bSet-ExecutionPolicy\b',
                          r'\$PROFILE\b', r'\$PSScriptRoot\b', r'\$PSCommandPath\b', r'\bGet-Hotfix\b',
                          r'\bGet-Variable\s*($|[|;)])', r'\bdir\s+(variable|function|alias|env):',
                          r'\bGet-ChildItem\s+(variable|function|alias|env):', r'\$ExecutionContext\b',
                          r'\bGet-Counter\b', r'\bGet-Clipboard\b', r'\bSet-Clipboard\b',
                          r'\bGet-ComputerInfo\b', r'\bGet-TimeZone\b', r'\bGet-PSSessionConfiguration\b',
                          r'\bClear-Host\b', r'\bcls\b', r'\bGet-Runspace\b',
                          r'\$ShellId\b', r'\$NestedPromptLevel\b', r'\bGet-WinSystemLocale\b',
                          r'\$PSStyle\b', r'\$\{?(global:)?Error\}?\b', r'\bGet-Error\b',
                          r'\$LASTEXITCODE\b'), None),
    ('native-command', _rx(r'(^|[|;&({]\s*)(ping|ipconfig|bash|sh|echo\s*\'|cmd|git|hostname|whoami|netsh|'
                           r'sc|reg|icacls|msiexec|findstr|sort\.exe|more|ls\s+-|/bin/\w+|dotnet|pwsh|powershell|'
                           r'TestExe|echoargs|robocopy|net|where\.exe|tar|curl)\b',
                           r'--%', r'\bNative\w*Command'), None),
    ('.net-type-not-portable', _rx(r'\bAdd-Type\b', r'\[System\.Windows\.', r'\[System\.Drawing\.',
                                   r'\bSystem\.Windows\.Forms\b', r'\[Microsoft\.Win32\.',
                                   r'\bSystem\.Security\.', r'\bSystem\.Diagnostics\.Process\b',
                                   r'\bAppDomain\b', r'\[System\.Reflection\.', r'\bGetAssemblies\b',
                                   r'\[System\.Threading\.'), None),
    ('error-display', None, _rx(r'^Line \|', r'^\s*\|\s', r'^At line:\d', r'^At \S+:\d+ char:\d',
                                r'^\s*\+ (CategoryInfo|FullyQualifiedErrorId)',
                                r'ParentContainsErrorRecordException', r'^\+\s+~',
                                r'^(?!Write-Error: )(?!Exception: )[A-Z][a-z]+-[A-Z][\w-]*: ',
                                r'^(?!Exception: )[A-Z]\w*(Exception|Error|Operation|Argument|NotFound|Stopped|Denied): ',
                                r'^\w+ : .*\bcannot\b', r'^(Exception|Write-Error): .*\n.', r'^ErrorRecord\b',
                                r'\bat line \d+\b', r'^\s*\^\s*$')),
    ('output-elided', None, _rx(r'^\s*(\.\.\.|\u2026)\s*$', r'\[\.\.\.\]', r'\.\.\.\s*$', r'^\s*\.\.\.',
                                r'\s\.\.\.\s', r'\u2026')),
]


def classify(ex, code_text):
    """First matching rule.  Code patterns are matched against the code with
    comments and single-quoted strings blanked (a Windows path is matched in
    the raw code too)."""
    out_text = '\n'.join(ex.output)
    code_plain = strip_literals(code_text)
    for reason, code_rx, out_rx in RULES:
        if code_rx is not None:
            text = code_text if reason == 'windows-path' else code_plain
            for line in text.split('\n'):
                if code_rx.search(line):
                    return reason
        if out_rx is not None:
            if reason == 'error-display' and re.search(r'^(Exception|Write-Error): .*', out_text, re.M):
                # a one-line `Write-Error: msg` / `Exception: msg` is kept, multi-line
                # error renderings are not
                pass
            for line in out_text.split('\n'):
                if out_rx.search(line):
                    return reason
    return None


# --------------------------------------------------------------------------
# Setup inference
# --------------------------------------------------------------------------

AUTOMATIC = set('''_ psitem true false null args input this matches lastexitcode error foreach switch
psboundparameters myinvocation pscmdlet ofs erroractionpreference warningpreference
verbosepreference debugpreference informationpreference progresspreference confirmpreference
whatifpreference psscriptroot pscommandpath home pwd host pid pshome psversiontable shellid
stacktrace event eventargs eventsubscriber sender nestedpromptlevel psculture psuiculture profile
psdebugcontext psedition psitem executioncontext isWindows islinux ismacos iscoreclr
psdefaultparametervalues psstyle psnativecommandargumentpassing
psnativecommanduseerroractionpreference maximumhistorycount formatenumerationlimit
errorview psmoduleautoloadingpreference pssessionoption pssessionconfigurationname
pssessionapplicationname psemailserver logcommandhealthevent logcommandlifecycleevent
logenginehealdevent logproviderhealthevent logproviderlifecycleevent transcript
enabledexperimentalfeatures pssenderinfo consolefilename psgetpath
'''.lower().split())

VAR_RE = re.compile(r'(?<!`)\$(?:\{([^}]+)\}|((?:global|script|local|private|using):)?([A-Za-z_][\w]*)(?![\w:]))')


def var_refs(stripped):
    names = set()
    for m in VAR_RE.finditer(stripped):
        name = m.group(1) or m.group(3)
        if m.group(2) and m.group(2).lower() == 'using:':
            pass
        names.add(name.lower())
    return names


def defined_vars(stripped):
    names = set()
    # plain assignments: a variable counts as defined when it is assigned before
    # it is first read, by an assignment whose right-hand side (on that line)
    # does not read it
    first_read = {}
    assigns = []
    for m in VAR_RE.finditer(stripped):
        name = (m.group(1) or m.group(3)).lower()
        rest = stripped[m.end():]
        ma = re.match(r'\s*(=(?!=)|\?\?=)', rest)
        if ma:
            rhs = re.split(r'[;\n]', rest[ma.end():], maxsplit=1)[0]
            assigns.append((m.start(), name, rhs))
        elif re.match(r'\s*(\+|-|\*|/|%)=', rest):
            first_read.setdefault(name, m.start())
        else:
            first_read.setdefault(name, m.start())
    for pos, name, rhs in assigns:
        if name in first_read and first_read[name] < pos:
            continue
        if re.search(r'\$(?:\w+:)?' + re.escape(name) + r'\b', rhs, re.I):
            continue
        names.add(name)
    # multiple assignment $a, $b = ...
    for m in re.finditer(r'((?:\$\w+\s*,\s*)+\$\w+)\s*=(?!=)', stripped):
        for v in re.findall(r'\$(\w+)', m.group(1)):
            names.add(v.lower())
    for m in re.finditer(r'\b(?:foreach)\s*\(\s*\$(\w+)\s+in\b', stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'-(?:OutVariable|ov|PipelineVariable|pv|ErrorVariable|ev|'
                         r'WarningVariable|wv|InformationVariable|iv|Variable)\s+[+]?[\'"]?(\w+)',
                         stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'\b(?:Set|New)-Variable\s+(?:-Name\s+)?[\'"]?(\w+)', stripped, re.I):
        names.add(m.group(1).lower())
    # parameters: param(...) blocks and function f($a, $b)
    for m in re.finditer(r'\bparam\s*\(|\bfunction\s+[\w:-]+\s*\(|\bfilter\s+[\w:-]+\s*\(', stripped, re.I):
        depth = 0
        j = m.end() - 1
        while j < len(stripped):
            ch = stripped[j]
            if ch == '(':
                depth += 1
            elif ch == ')':
                depth -= 1
                if depth == 0:
                    break
            j += 1
        for v in re.findall(r'\$(\w+)', stripped[m.end():j]):
            names.add(v.lower())
    # class members (properties, method parameters) and catch/trap automatic vars
    for m in re.finditer(r'\b(?:class)\s+\w+[^{]*\{', stripped, re.I):
        pass
    if re.search(r'^\s*class\s', stripped, re.M | re.I):
        # typed property declarations in class bodies
        for m in re.finditer(r'^\s*(?:\[(?:[^\[\]]|\[[^\[\]]*\])+\]\s*)+\$(\w+)\s*(?:;|$)', stripped, re.M):
            names.add(m.group(1).lower())
    for m in re.finditer(r'\b(?:hidden|static)\s+(?:\[[^\]]+\]\s*)*\$(\w+)', stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'\bdata\s+(\w+)\s*\{', stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'(?<![\w$.-])(?!(?:foreach|for|if|elseif|while|switch|until|catch|trap|param)\b)'
                         r'\w+\s*\(([^()]*)\)\s*(?::\s*base\([^()]*\)\s*)?\{', stripped, re.I):
        for v in re.findall(r'\$(\w+)', m.group(1)):
            names.add(v.lower())
    return names


def defined_commands(stripped):
    names = set()
    for m in re.finditer(r'\b(?:function|filter|workflow)\s+(?:(?:global|script|local|private):)?([\w-]+)',
                         stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'\bSet-Alias\s+(?:-Name\s+)?(\w[\w-]*)', stripped, re.I):
        names.add(m.group(1).lower())
    for m in re.finditer(r'\bNew-Alias\s+(?:-Name\s+)?(\w[\w-]*)', stripped, re.I):
        names.add(m.group(1).lower())
    return names


def defined_types(stripped):
    names = set()
    for m in re.finditer(r'^\s*(?:class|enum)\s+(\w+)', stripped, re.I | re.M):
        names.add(m.group(1).lower())
    for m in re.finditer(r'\[Flags\(\)\]\s*enum\s+(\w+)', stripped, re.I):
        names.add(m.group(1).lower())
    return names


def blank_dq_text(stripped):
    """Blank the literal text of double-quoted strings, keeping `$(...)` bodies."""
    out = []
    i = 0
    n = len(stripped)
    while i < n:
        c = stripped[i]
        if c in DQ:
            out.append(' ')
            i += 1
            depth = 0
            while i < n:
                ch = stripped[i]
                if depth == 0:
                    if ch == '`':
                        out.append('  ')
                        i += 2
                        continue
                    if ch in DQ:
                        if i + 1 < n and stripped[i + 1] in DQ:
                            out.append('  ')
                            i += 2
                            continue
                        out.append(' ')
                        i += 1
                        break
                    if stripped.startswith('$(', i):
                        depth = 1
                        out.append('$(')
                        i += 2
                        continue
                    out.append('\n' if ch == '\n' else ' ')
                    i += 1
                else:
                    if ch == '(':
                        depth += 1
                    elif ch == ')':
                        depth -= 1
                    out.append(ch)
                    i += 1
        else:
            out.append(c)
            i += 1
    return ''.join(out)


def command_used(name, stripped):
    """`name` used in command position (statement start, after a pipe, `&`, `.`,
    `=`, an opening bracket or a `;`)."""
    return re.search(r'(?:^|[|;({&=]|\.\s|\belse\b|\breturn\b)\s*' + re.escape(name) + r'(?![\w-])',
                     stripped, re.I | re.M) is not None


def type_used(name, stripped):
    n = re.escape(name)
    return re.search(r'\[\s*' + n + r'\s*[\]\[]|(?:^|[^:]):\s*' + n + r'\b|New-Object\s+(?:-TypeName\s+)?'
                     + n + r'\b', stripped, re.I | re.M) is not None


def block_prelude(topic, b):
    text = BLOCK_PRELUDE.get('%s.md:%d' % (topic, b.line))
    return text.strip('\n').split('\n') if text else []


class TopicIndex:
    def __init__(self, topic, blocks):
        self.blocks = blocks
        self.code = {}
        for b in blocks:
            if b.lang in PS_LANGS:
                src = '\n'.join(block_prelude(topic, b) + block_code(b))
                st = strip_literals(src)
                self.code[b.idx] = dict(src=src, st=st, defv=defined_vars(st),
                                        defc=defined_commands(st), deft=defined_types(st),
                                        refs=var_refs(st))


def needs(st, defv, defc, deft, index, before_idx):
    """Free names of code `st` that an earlier block of the topic defines."""
    want = []
    refs = var_refs(st)
    for v in sorted(refs - defv - AUTOMATIC):
        want.append(('var', v))
    # commands / types defined by earlier blocks
    cmds = set()
    types = set()
    for idx, info in index.code.items():
        if idx >= before_idx:
            continue
        cmds |= info['defc']
        types |= info['deft']
    for c in sorted(cmds - defc):
        if command_used(c, blank_dq_text(st)):
            want.append(('cmd', c))
    for t in sorted(types - deft):
        if type_used(t, blank_dq_text(st)):
            want.append(('type', t))
    return want


MUTATE = r'\$%s(?:\.(?:[\w]+\.)*(?:Add|AddRange|Remove|RemoveAt|Clear|Insert|Push|Pop|Enqueue|Dequeue|Set\w*|Register\w*|Reset|Reverse|Sort)\s*\(|\.[\w.]+\s*(?:=(?!=)|\+=|-=)|\[[^\]]*\]\s*(?:=(?!=)|\+=|-=)|\s*(?:\+|-|\*|/|%%|\?\?)=|\s*=(?!=))'


def infer_setup(ex, index):
    """Return (block indices, unresolved names, notes)."""
    chosen = set()
    unresolved = []
    notes = []
    code = '\n'.join(ex.prelude + ex.script)
    st = strip_literals(code)
    todo = [(st, defined_vars(st), defined_commands(st), defined_types(st),
             ex.code_block.idx if ex.code_block else 0)]
    seen = set()
    while todo:
        st, defv, defc, deft, pos = todo.pop()
        for kind, name in needs(st, defv, defc, deft, index, pos):
            if (kind, name, pos) in seen:
                continue
            seen.add((kind, name, pos))
            found = None
            for idx in range(pos - 1, -1, -1):
                info = index.code.get(idx)
                if not info:
                    continue
                if (kind == 'var' and name in info['defv']) or \
                        (kind == 'cmd' and name in info['defc']) or \
                        (kind == 'type' and name in info['deft']):
                    found = idx
                    break
            if found is None:
                if kind == 'var':
                    unresolved.append('$' + name)
                continue
            new = [found]
            if kind == 'var':
                rx = re.compile(MUTATE % re.escape(name), re.I)
                for idx in range(found + 1, pos):
                    info = index.code.get(idx)
                    if info and rx.search(info['st']):
                        new.append(idx)
            for idx in new:
                if idx not in chosen:
                    chosen.add(idx)
                    info = index.code[idx]
                    todo.append((info['st'], info['defv'], info['defc'], info['deft'], idx))
    return sorted(chosen), unresolved, notes


# --------------------------------------------------------------------------
# Hand-reviewed decisions
# --------------------------------------------------------------------------

# Output blocks (keyed by the Output block's own line) that follow their code block
# after a short prose sentence which only introduces the output.
PROSE_PAIRS = set('''
about_Arrays.md:400 about_Arrays.md:454 about_Break.md:197 about_Calling_Generic_Methods.md:92
about_Command_Syntax.md:64 about_CommonParameters.md:494 about_CommonParameters.md:522
about_CommonParameters.md:716 about_Comparison_Operators.md:849 about_Data_Sections.md:143
about_Debuggers.md:375 about_Execution_Policies.md:171 about_Functions_Advanced_Parameters.md:149
about_Functions_Advanced_Parameters.md:654 about_Functions_Advanced_Parameters.md:1220
about_Jobs.md:131 about_Jobs.md:243 about_Methods.md:182 about_Modules.md:287
about_Object_Creation.md:195 about_PSCustomObject.md:241 about_PSItem.md:374 about_PSItem.md:426
about_PSSessions.md:159 about_Parsing.md:466 about_Pipelines.md:189 about_Pipelines.md:467
about_Pwsh.md:184 about_Pwsh.md:228 about_Quoting_Rules.md:62 about_Quoting_Rules.md:75
about_Quoting_Rules.md:112 about_Quoting_Rules.md:129 about_Quoting_Rules.md:142
about_Quoting_Rules.md:157 about_Quoting_Rules.md:170 about_Quoting_Rules.md:182
about_Quoting_Rules.md:195 about_Quoting_Rules.md:212 about_Quoting_Rules.md:292
about_Quoting_Rules.md:306 about_Quoting_Rules.md:322 about_Quoting_Rules.md:340
about_Remote_Jobs.md:199 about_Remote_Jobs.md:229 about_Remote_Jobs.md:288 about_Remote_Jobs.md:319
about_Remote_Requirements.md:187 about_Scopes.md:193 about_Scopes.md:213 about_Scopes.md:577
about_Scopes.md:617 about_Signing.md:218 about_Special_Characters.md:157
about_Special_Characters.md:212 about_Special_Characters.md:289 about_Splatting.md:141
about_Splatting.md:159 about_Splatting.md:190 about_Splatting.md:204 about_Switch.md:215
about_Trap.md:93 about_Trap.md:119 about_Trap.md:211 about_Trap.md:240 about_Trap.md:318
about_Trap.md:352 about_Try_Catch_Finally.md:134 about_Try_Catch_Finally.md:218
about_Try_Catch_Finally.md:239 about_Type_Conversion.md:277 about_Types.ps1xml.md:128
'''.split())

# Code blocks without an output block of their own whose output the prose states
# elsewhere ("each of these examples returns: ..."): code block key -> line of the
# Output block that holds their output.
SHARED_OUTPUT = {
    # "Each of the examples in this section has identical output" ($hash iteration)
    'about_Hash_Tables.md:354': 346,
    'about_Hash_Tables.md:362': 346,
    'about_Hash_Tables.md:371': 346,
    'about_Hash_Tables.md:380': 346,
}

# Per example (keyed by the code block line):
#   exclude=REASON         do not make a case
#   keep=True              override an automatic exclusion (pattern false positive)
#   setup=[LINE|TEXT,...]  replace inferred setup: ints are code-block lines of the
#                          same topic, strings are literal code (written from the prose)
#   add_setup=[...]        add to the inferred setup (same item forms)
#   no_setup=True          drop the inferred setup
#   script=TEXT / output=TEXT   replace (only to fix extraction problems)
OVERRIDES = {
    # --- documentation errors: the documented output is not what the code prints
    'about_Arrays.md:616': dict(exclude='doc-output-wrong'),   # .ForEach('Value'): no such property
    'about_Arrays.md:633': dict(exclude='doc-output-wrong'),   # same
    'about_Automatic_Variables.md:451': dict(exclude='doc-output-wrong'),  # 'Team lunch' vs 'Team Lunch'
    'about_Enum.md:844': dict(exclude='doc-output-wrong'),     # header 'numValue'
    'about_Object_Creation.md:170': dict(exclude='doc-output-wrong'),  # hand-made table
    'about_Object_Creation.md:205': dict(exclude='doc-output-wrong'),  # leading spaces
    'about_PSCustomObject.md:273': dict(exclude='doc-output-wrong'),   # Count/Length output missing
    'about_PSItem.md:364': dict(exclude='doc-output-wrong'),   # PS 5.1 message text, wrapped
    'about_Quoting_Rules.md:122': dict(exclude='doc-output-wrong'),    # 'The value $i' (no 'of')
    'about_Regular_Expressions.md:294': dict(exclude='doc-output-wrong'),  # hand-narrowed table
    'about_Switch.md:223': dict(exclude='doc-output-wrong'),   # text differs from the code
    'about_Try_Catch_Finally.md:208': dict(exclude='doc-output-wrong'),  # 'An Error occurred'
    'about_Try_Catch_Finally.md:229': dict(exclude='doc-output-wrong'),  # same
    # --- not portable, not caught by the patterns
    'about_Comment_Based_Help.md:406': dict(exclude='help-system'),
    'about_Comment_Based_Help.md:550': dict(exclude='help-system'),
    'about_Comparison_Operators.md:574': dict(exclude='old-version-behavior'),  # "Prior to 7.2"
    'about_Object_Creation.md:54': dict(exclude='introspection'),  # OverloadDefinitions
    'about_PSCustomObject.md:206': dict(exclude='error-display'),  # wrapped error text
    'about_Pipeline_Chain_Operators.md:158': dict(exclude='native-command'),  # find
    'about_Pipeline_Chain_Operators.md:270': dict(exclude='error-display'),
    'about_Redirection.md:331': dict(exclude='file-system'),   # `36 > 42` writes a file
    'about_Scopes.md:609': dict(exclude='script-file'),        # needs its own script scope
    'about_Special_Characters.md:83': dict(exclude='host-specific'),   # `b rendering
    'about_Special_Characters.md:109': dict(exclude='host-specific'),  # ANSI escape rendering
    'about_Special_Characters.md:150': dict(exclude='host-specific'),  # `r rendering
    'about_Special_Characters.md:202': dict(exclude='host-specific'),  # `v rendering
    'about_Tab_Expansion.md:109': dict(exclude='interactive-prompt'),
    'about_Using.md:157': dict(exclude='.net-type-not-portable'),  # YamlDotNet.dll
    'about_Variables.md:234': dict(exclude='culture-dependent'),   # 24h DateTime display
    'about_Variables.md:243': dict(exclude='culture-dependent'),
    'about_Operators.md:279': dict(exclude='error-display'),
    'about_ANSI_Terminals.md:341': dict(exclude='random'),   # Format-Hex label shows a hash code
    'about_ANSI_Terminals.md:355': dict(exclude='random'),
    'about_ANSI_Terminals.md:368': dict(exclude='random'),   # wrapped '&: The term ...'
    'about_Type_Operators.md:207': dict(exclude='doc-output-wrong'),  # $date/$a mix-up, stray prompt
    # --- pattern false positives (a path or cmdlet name only inside a string)
    'about_Comparison_Operators.md:163': dict(keep=True),
    'about_Comparison_Operators.md:185': dict(keep=True),
    'about_Functions.md:398': dict(keep=True),
    'about_Regular_Expressions.md:232': dict(keep=True),
    'about_Variables.md:91': dict(keep=True),
    'about_Operators.md:535': dict(keep=True),            # 'Once upon a time...' is real text
    'about_Operators.md:692': dict(keep=True),            # '^' is a real output line
    'about_Return.md:143': dict(keep=True),               # 'calculation...' is real text
    'about_Quoting_Rules.md:284': dict(keep=True),
    'about_Classes_Methods.md:624': dict(keep=True),      # fixed date; Get-Date only in setup
    # Invoke-Command without -ComputerName runs locally
    'about_Script_Blocks.md:81': dict(keep=True),
    'about_Splatting.md:181': dict(keep=True),
    'about_Splatting.md:194': dict(keep=True),
    # --- setup fixes (state the inference cannot see)
    'about_Do.md:59': dict(no_setup=True),    # $count/$a start unset on purpose
    'about_Do.md:69': dict(no_setup=True),
    'about_Variables.md:377': dict(no_setup=True),  # ${this`{value`}is} is not a reference to $this
    'about_Classes_Inheritance.md:306': dict(setup=[133, 206, 219, 284]),
    'about_Classes_Inheritance.md:419': dict(setup=[133, 206, 219, 284, 370]),
    'about_Classes_Inheritance.md:499': dict(setup=[133, 206, 219, 284, 370, 419]),
    'about_Classes_Methods.md:273': dict(setup=[(207, ['$Cube.GetVolume()'])]),
    'about_Member-Access_Enumeration.md:247': dict(setup=["$a = @(, ('bar', 'baz'), 'foo')"]),
    'about_Parameters_Default_Values.md:140': dict(setup=[129], keep=True),
    'about_Parameters_Default_Values.md:152': dict(setup=[129], keep=True),
    'about_Parameters_Default_Values.md:199': dict(setup=[129, 192], keep=True),
    'about_Parameters_Default_Values.md:217': dict(setup=[129, 192], keep=True),
    'about_Parameters_Default_Values.md:234': dict(setup=[129], keep=True),
    'about_Parameters_Default_Values.md:255': dict(setup=[129, 234], keep=True),
    'about_Parameters_Default_Values.md:270': dict(setup=[129, 234, 255], keep=True),
    'about_Regular_Expressions.md:282': dict(setup=[269]),
    # --- extraction fixes (prompts missing or mistyped in the doc)
    'about_Operators.md:675': dict(script="[string]$s = 'a'..'e'\n$s", output='a b c d e'),
    'about_Properties.md:257': dict(
        script='$collection = @(\n     [pscustomobject]@{Length = "foo"}\n'
               '     [pscustomobject]@{Length = "bar"}\n)\n'
               "# PowerShell returns the collection's Length.\n$collection.Length\n"
               '# Get the Length property of each item in the collection.\n'
               '$collection.GetEnumerator().Length',
        output='2\nfoo\nbar'),
    'about_Quoting_Rules.md:443': dict(setup=['$x = 1.2'], script='"$x"\n"$(Get-Date 2024-03-19)"',
                                       output='1.2\n03/19/2024 00:00:00'),
}

# State that the prose (not code) establishes before a code block, written out as
# code.  It is added to the block's setup and counts as part of the block when a
# later example needs what the block defines.
BLOCK_PRELUDE = {
    'about_Arrays.md:136': '$a = 0..9',
}


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def build(about_dir, review=False):
    topics = sorted(f[:-3] for f in os.listdir(about_dir)
                    if f.endswith('.md') and f.lower().startswith('about_'))
    cases = collections.OrderedDict()
    excluded = []
    used_keys = set()
    for topic in topics:
        with open(os.path.join(about_dir, topic + '.md'), encoding='utf-8') as fh:
            text = fh.read()
        blocks = parse_blocks(text)
        by_line = {b.line: b for b in blocks}
        index = TopicIndex(topic, blocks)
        topic_examples = find_examples(topic, blocks)
        for ex in topic_examples:
            ov = OVERRIDES.get(ex.key, {})
            if ex.key in OVERRIDES:
                used_keys.add(ex.key)
            if ex.kind == 'orphan':
                if ov.get('exclude'):
                    excluded.append((ex, ov['exclude']))
                else:
                    prev = blocks[ex.out_blocks[0].idx - 1] if ex.out_blocks[0].idx else None
                    if prev is not None and prev.lang in PS_LANGS:
                        if not any(e.line == prev.line for e in topic_examples):
                            ex.line = prev.line   # key it by its code block, like the others
                        excluded.append((ex, 'prose-between'))
                    else:
                        excluded.append((ex, 'output-without-code'))
                continue
            ex.prelude = block_prelude(topic, ex.code_block)
            if 'script' in ov:
                ex.script = ov['script'].strip('\n').split('\n')
            if 'output' in ov:
                ex.output = trim_lines(ov['output'].strip('\n').split('\n'))
            setup_idx, unresolved, notes = infer_setup(ex, index)
            if ov.get('no_setup'):
                setup_idx, unresolved = [], []
            items = None
            if 'setup' in ov:
                items = list(ov['setup'])
                unresolved = []
            elif 'add_setup' in ov:
                items = [blocks[i].line for i in setup_idx] + list(ov['add_setup'])
                unresolved = []
            else:
                items = [blocks[i].line for i in setup_idx]
            setup_lines = []
            prov = []
            for it in items:
                if isinstance(it, tuple):
                    b = by_line[it[0]]
                    setup_lines += [l for l in block_prelude(topic, b) + block_code(b)
                                    if l.strip() not in it[1]]
                    prov.append('%d-' % it[0])
                elif isinstance(it, int):
                    b = by_line[it]
                    setup_lines += block_prelude(topic, b) + block_code(b)
                    prov.append(str(it))
                else:
                    setup_lines += it.strip('\n').split('\n')
                    prov.append('text')
            if ex.prelude:
                setup_lines += ex.prelude
                prov.append('prelude')
            ex.setup_text = setup_lines
            ex.setup_prov = prov
            ex.unresolved = unresolved
            code_text = '\n'.join(setup_lines + ex.script)
            reason = ov.get('exclude')
            if not reason and not ov.get('keep'):
                reason = classify(ex, code_text)
            if not reason and ex.kind == 'prompt' and 'output' not in ov and ex.table_outputs > 1:
                reason = 'prompt-table-merge'
            if not reason and unresolved:
                reason = 'depends-on-unknown-state'
            if reason:
                excluded.append((ex, reason))
            else:
                cases.setdefault(topic, []).append(ex)
    for k in sorted(set(OVERRIDES) - used_keys):
        print('warning: override %s matches no example' % k, file=sys.stderr)
    return topics, cases, excluded


def render_case(ex):
    out = ['#### case ' + ex.key, '#### setup']
    out += [l.rstrip() for l in ex.setup_text]
    out.append('#### script')
    out += [l.rstrip() for l in ex.script]
    out.append('#### output')
    out += ex.output
    out.append('#### end')
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('about_dir')
    ap.add_argument('commit')
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  '..', 'conformance'))
    ap.add_argument('--date', default=None)
    ap.add_argument('--review', action='store_true')
    ap.add_argument('--review-excluded', action='store_true')
    args = ap.parse_args()
    out = os.path.normpath(args.out)
    topics, cases, excluded = build(args.about_dir, args.review)

    cases_dir = os.path.join(out, 'cases')
    os.makedirs(cases_dir, exist_ok=True)
    for f in os.listdir(cases_dir):
        if f.endswith('.txt'):
            os.remove(os.path.join(cases_dir, f))
    ncases = 0
    for topic, exs in cases.items():
        with open(os.path.join(cases_dir, topic + '.txt'), 'w', encoding='utf-8', newline='\n') as fh:
            fh.write(''.join(render_case(e) for e in exs))
        ncases += len(exs)
    excluded.sort(key=lambda p: (p[0].topic.lower(), p[0].line))
    with open(os.path.join(out, 'excluded.tsv'), 'w', encoding='utf-8', newline='\n') as fh:
        for ex, reason in excluded:
            fh.write('%s\t%s\n' % (ex.key, reason))

    # SOURCE.md
    date = args.date
    src_md = os.path.join(out, 'SOURCE.md')
    if date is None and os.path.exists(src_md):
        m = re.search(r'^- Commit date: (.*)$', open(src_md, encoding='utf-8').read(), re.M)
        date = m.group(1) if m else None
    date = date or 'unknown'
    reasons = collections.Counter(r for _, r in excluded)
    lines = [
        '# PowerShell language conformance cases: source',
        '',
        'The cases in `cases/` are examples (code and documented output) extracted',
        "from PowerShell 7's `about_*` documentation.",
        '',
        '- Repository: https://github.com/MicrosoftDocs/PowerShell-Docs',
        '- Commit: `%s`' % args.commit,
        '- Commit date: %s' % date,
        '- Folder: `reference/7.5/Microsoft.PowerShell.Core/About/`',
        '- Extractor: `tests/tools/extract_conformance.py` (Python 3, stdlib only)',
        '',
        '## Regenerating',
        '',
        '```sh',
        'mkdir -p /tmp/psdocs',
        'git --git-dir=<mirror-of-PowerShell-Docs> archive %s \\' % args.commit,
        '    reference/7.5/Microsoft.PowerShell.Core/About | tar -x -C /tmp/psdocs',
        'python3 tests/tools/extract_conformance.py \\',
        '    /tmp/psdocs/reference/7.5/Microsoft.PowerShell.Core/About %s --date %s' % (args.commit, date),
        '```',
        '',
        'The extraction is deterministic. Hand-reviewed decisions (extra setup,',
        'exclusions, documentation errors) are in the `PROSE_PAIRS` and `OVERRIDES`',
        'tables of the extractor and are keyed by `topic.md:LINE`, so they belong to',
        'the commit above.',
        '',
        '## Format',
        '',
        'Each `cases/<topic>.txt` holds blocks of:',
        '',
        '```',
        '#### case about_X.md:LINE      (LINE = opening fence of the code block)',
        '#### setup                     (code run first; its output is discarded)',
        '#### script                    (the example code)',
        '#### output                    (the documented output, trailing spaces and',
        '#### end                        leading/trailing blank lines removed)',
        '```',
        '',
        '`excluded.tsv` lists every example with documented output that was not made',
        'a case, with a reason class (`prose-between`: an Output block separated from',
        'its code by explanatory prose, not paired by review; `output-without-code`:',
        'an Output block with no code block before it, keyed by its own line;',
        '`doc-output-wrong`: the documented output cannot be what the code prints;',
        '`prompt-table-merge`: separate prompts print separate tables that one script',
        'would merge).',
        '',
        '## What was extracted',
        '',
        '- A ```powershell block followed (only blank lines between) by an ```Output',
        '  block; or, after review, with a short sentence that only introduces the',
        '  output between them (`PROSE_PAIRS`).',
        '- A ```powershell block with `PS>`-style prompts: the script is the prompted',
        '  commands in order (continuation lines joined, a `#` comment line directly',
        '  before a prompt kept as a comment of that command), the output is the other',
        "  lines; each command's output is trimmed of leading/trailing blank lines",
        '  (the blank lines between prompts are typographic). Lines before the first',
        '  prompt are code (for example a function the prompts call).',
        '- Setup: the earlier code blocks of the same article that define the',
        '  variables, functions, classes and enums the example uses (nearest',
        '  definition, plus blocks that mutate a used variable), reviewed by hand.',
        '- Examples depending on the machine, the file system, Windows, time, random',
        '  values, jobs/remoting, the help system or member/command dumps are',
        '  excluded, as are multi-line error renderings (a one-line',
        '  `Write-Error: msg` or `Exception: msg` is kept).',
        '',
        '## Notes for a runner',
        '',
        '- The documentation is formatted for reading: it often puts a blank line',
        '  between the outputs of consecutive statements and around tables. Comparing',
        '  with blank lines ignored (or collapsed) is advisable.',
        '- Tabs written by the code (`` `t ``) appear as spaces in the documented',
        '  output, sometimes 4 and sometimes 8 wide (about_Automatic_Variables,',
        '  about_CommonParameters:424, about_Special_Characters:169, about_Trap:429).',
        '- Default DateTime display follows the en-US culture',
        '  (`Sunday, January 1, 2017 12:00:00 AM`, `1/1/0001 12:00:00 AM`).',
        '- Unordered hashtables are shown in .NET `Hashtable` enumeration order.',
        '- Verbose, warning, debug and information messages appear in the output as',
        '  the console shows them (`VERBOSE: ...`, `WARNING: ...`).',
        '- Table column widths are those of an 80/120-column console as documented.',
        '',
        '## Counts',
        '',
        '- Topics (about_*.md files) scanned: %d' % len(topics),
        '- Topics with cases: %d' % len(cases),
        '- Cases: %d (from `PS>` prompt blocks: %d; with setup: %d)' % (
            ncases, sum(1 for es in cases.values() for e in es if e.kind == 'prompt'),
            sum(1 for es in cases.values() for e in es if e.setup_text)),
        '- Excluded examples: %d' % len(excluded),
        '',
        '| reason | count |',
        '| --- | --- |',
    ]
    for r, c in sorted(reasons.items(), key=lambda p: (-p[1], p[0])):
        lines.append('| %s | %d |' % (r, c))
    lines += [
        '',
        '## License',
        '',
        'The documentation text and examples are from',
        '[MicrosoftDocs/PowerShell-Docs](https://github.com/MicrosoftDocs/PowerShell-Docs),',
        'Copyright (c) Microsoft Corporation and the PowerShell-Docs contributors,',
        'licensed under the Creative Commons Attribution 4.0 International license',
        '(CC BY 4.0, https://creativecommons.org/licenses/by/4.0/). The cases are',
        'excerpts of that documentation, reformatted (prompts removed, trailing',
        'whitespace trimmed, setup code gathered from earlier examples of the same',
        'article, or written from its prose where marked in the extractor).',
        '',
    ]
    with open(src_md, 'w', encoding='utf-8', newline='\n') as fh:
        fh.write('\n'.join(lines))

    if args.review or args.review_excluded:
        for topic in topics:
            if args.review:
                for ex in cases.get(topic, []):
                    print('=' * 70)
                    print('%s [%s] setup-from=%s' % (ex.key, ex.kind, ','.join(ex.setup_prov)))
                    print(render_case(ex), end='')
            if args.review_excluded:
                for ex, r in excluded:
                    if ex.topic == topic:
                        print('=' * 70)
                        print('%s [%s] EXCLUDED %s %s' % (ex.key, ex.kind, r,
                                                          ' '.join(getattr(ex, 'unresolved', []) or [])))
                        print('\n'.join(getattr(ex, 'setup_text', []) or []))
                        print('--- script')
                        print('\n'.join(ex.script))
                        print('--- output')
                        print('\n'.join(ex.output))
    print('topics=%d with-cases=%d cases=%d excluded=%d' % (len(topics), len(cases), ncases, len(excluded)),
          file=sys.stderr)
    for r, c in sorted(reasons.items(), key=lambda p: (-p[1], p[0])):
        print('  %-28s %d' % (r, c), file=sys.stderr)


if __name__ == '__main__':
    main()
