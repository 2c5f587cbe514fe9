// alejandra-check - formats Nix files with the alejandra 3.1.0 library (the one nixpkgs' `alejandra` runs).
// crates.io publishes alejandra as a library only, so scripts/test-nix builds this small front end.

use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: alejandra-check [--check] FILE...");
    eprintln!("  --check  change nothing; list files that are not formatted, exit 1 if any");
    eprintln!("  without --check the files are rewritten in place");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut check = false;
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" | "-c" => check = true,
            "-h" | "--help" => return usage(),
            _ if arg.starts_with('-') => return usage(),
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        return usage();
    }
    let mut bad = 0;
    for path in files {
        match alejandra::format::in_fs(path.clone(), !check) {
            alejandra::format::Status::Error(e) => {
                eprintln!("{path}: error: {e}");
                bad += 1;
            }
            alejandra::format::Status::Changed(true) => {
                if check {
                    println!("{path}: not formatted");
                    bad += 1;
                } else {
                    println!("{path}: formatted");
                }
            }
            alejandra::format::Status::Changed(false) => {}
        }
    }
    if bad > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
