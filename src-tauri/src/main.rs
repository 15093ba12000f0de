//! `accord-desktop`: the Accord desktop app.

fn main() -> std::process::ExitCode {
    match accord_desktop::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accord-desktop: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
