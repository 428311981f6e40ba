import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { overviewHelp } from '../../src/cli/commands';

/** The commands `telltale help` lists: the lines under "Commands:", first words up to the summary. */
function helpCommands(): { name: string; summary: string }[] {
  const help = overviewHelp();
  const lines = help.slice(help.indexOf('Commands:\n') + 'Commands:\n'.length, help.indexOf('\n\n', help.indexOf('Commands:'))).split('\n');
  return lines.map((line) => {
    const [, name, summary] = /^ {2}(\S+(?: \S+)?)\s{2,}(.+)$/.exec(line)!;
    return { name: name!, summary: summary! };
  });
}

/** The README's list, "`apps create|list|update`" standing for three commands. */
function readmeCommands(): string[] {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const sentence = /^\*\*The CLI\*\*.*?: (`.+?`)\. /m.exec(readme)![1]!;
  return [...sentence.matchAll(/`([^`]+)`/g)].flatMap((m) => {
    const [family, verbs] = m[1]!.split(' ');
    return verbs === undefined ? [family!] : verbs.split('|').map((verb) => `${family} ${verb}`);
  });
}

describe('the README\'s CLI list', () => {
  it('names exactly the commands `telltale help` lists', () => {
    expect(readmeCommands().sort()).toEqual(helpCommands().map((c) => c.name).sort());
  });

  it('`telltale help` gives every command a summary that starts with a capital letter', () => {
    const commands = helpCommands();
    expect(commands.length).toBeGreaterThan(15);
    expect(commands.filter((c) => !/^[A-Z]/.test(c.summary))).toEqual([]);
  });
});
