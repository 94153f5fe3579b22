//! The browser side of the browser test: finds Debian's Chromium and ChromeDriver, starts
//! chromedriver on a free port, opens a headless session, and gives the scenario small helpers
//! that wait for pages and save numbered screenshots.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// How long a page may take to show what a step waits for.
const PAGE_TIMEOUT: Duration = Duration::from_secs(20);

/// The Chromium and ChromeDriver binaries (Debian's `chromium` and `chromium-driver`), or
/// why they cannot be used. `CHANCERY_CHROMIUM` and `CHANCERY_CHROMEDRIVER` override the paths.
pub fn binaries() -> Result<(PathBuf, PathBuf), String> {
    let pick = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(default))
    };
    let chromium = pick("CHANCERY_CHROMIUM", "/usr/bin/chromium");
    let driver = pick("CHANCERY_CHROMEDRIVER", "/usr/bin/chromedriver");
    let missing: Vec<String> = [&chromium, &driver]
        .iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        Ok((chromium, driver))
    } else {
        Err(format!(
            "{} not found: install Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver), as .ci/run does",
            missing.join(" and ")
        ))
    }
}

/// A chromedriver process of our own; killed (by its own pid) when dropped.
pub struct Driver {
    child: Child,
    /// Where chromedriver writes its log.
    pub log: PathBuf,
    /// The WebDriver endpoint.
    pub url: String,
}

impl Driver {
    /// Starts chromedriver on a free loopback port, logging into `dir`.
    pub fn start(binary: &Path, dir: &Path) -> Result<Driver> {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let log = dir.join("chromedriver.log");
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", binary.display()))?;
        Ok(Driver {
            child,
            log,
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// The last lines of chromedriver's log, to explain a failure.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Opens a headless Chromium session through `driver`, retrying while chromedriver starts.
pub async fn connect(driver: &Driver, chromium: &Path, profile: &Path) -> Result<Client> {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--password-store=basic".into(),
        "--window-size=1280,900".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium.display().to_string(), "args": args },
    });
    let serde_json::Value::Object(caps) = caps else {
        bail!("capabilities are not an object");
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&driver.url)
            .await;
        match attempt {
            Ok(client) => return Ok(client),
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => bail!(
                "no WebDriver session from {} after 30 s: {e}\n{}",
                driver.url,
                driver.log_tail()
            ),
        }
    }
}

/// The scenario's view of the browser: the session, the app's address, the screenshots.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    /// `http://127.0.0.1:<port>` of the app under test.
    pub base: String,
    shots_dir: PathBuf,
    /// Screenshots saved so far, in order.
    pub shots: Vec<PathBuf>,
}

impl Browser {
    /// A browser on `base` saving screenshots into `shots_dir` (emptied of old PNGs).
    pub fn new(client: Client, base: String, shots_dir: PathBuf) -> Result<Browser> {
        std::fs::create_dir_all(&shots_dir)
            .with_context(|| format!("cannot create {}", shots_dir.display()))?;
        for entry in std::fs::read_dir(&shots_dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "png") {
                std::fs::remove_file(&path)?;
            }
        }
        Ok(Browser {
            client,
            base,
            shots_dir,
            shots: Vec::new(),
        })
    }

    /// Opens `path` on the app.
    pub async fn open(&self, path: &str) -> Result<()> {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .with_context(|| format!("cannot open {path}"))
    }

    /// The page's visible text.
    pub async fn text(&self) -> Result<String> {
        Ok(self.client.find(Locator::Css("body")).await?.text().await?)
    }

    /// The visible text of the first element matching `css`.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        Ok(self.find(css).await?.text().await?)
    }

    /// The page's HTML as the browser holds it.
    pub async fn source(&self) -> Result<String> {
        Ok(self.client.source().await?)
    }

    /// The first element matching `css`, waiting for it to appear.
    pub async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .wait()
            .at_most(PAGE_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css:?}"))
    }

    /// Whether any element matches `css` now.
    pub async fn exists(&self, css: &str) -> Result<bool> {
        Ok(!self.client.find_all(Locator::Css(css)).await?.is_empty())
    }

    /// Clicks the first element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css)
            .await?
            .click()
            .await
            .with_context(|| format!("cannot click {css:?}"))
    }

    /// Replaces the text of the field matching `css` by typing `text` into it.
    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("cannot type into {css:?}"))?;
        let value = field.prop("value").await?.unwrap_or_default();
        if value.replace("\r\n", "\n") != text {
            bail!("typed into {css:?} but it holds {value:?}, not {text:?}");
        }
        Ok(())
    }

    /// Waits until the text of the element matching `css` contains `needle` (pages load after
    /// a click on their own time); returns that text.
    pub async fn wait_text(&self, css: &str, needle: &str) -> Result<String> {
        let deadline = Instant::now() + PAGE_TIMEOUT;
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                let url = self.client.current_url().await.map(|u| u.to_string());
                return Err(anyhow!(
                    "waited {PAGE_TIMEOUT:?} for {needle:?} in {css:?} at {}; the element reads:\n{text}",
                    url.unwrap_or_default()
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Saves a full-page PNG screenshot as `NN-<name>.png` and returns its path.
    pub async fn shot(&mut self, name: &str) -> Result<PathBuf> {
        let height = self
            .client
            .execute(
                // The window is taller than the page's viewport by the browser's own frame.
                "return Math.ceil(document.documentElement.scrollHeight \
                 + window.outerHeight - window.innerHeight);",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(900);
        let height = u32::try_from(height.clamp(600, 6000)).unwrap_or(900);
        self.client.set_window_size(1280, height).await?;
        let png = self.client.screenshot().await?;
        self.client.set_window_size(1280, 900).await?;
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            bail!("the screenshot for {name} is not a PNG");
        }
        let path = self
            .shots_dir
            .join(format!("{:02}-{name}.png", self.shots.len() + 1));
        std::fs::write(&path, &png).with_context(|| format!("cannot write {}", path.display()))?;
        self.shots.push(path.clone());
        Ok(path)
    }
}

/// Fails with a readable message unless `haystack` contains `needle`.
pub fn must_contain(what: &str, haystack: &str, needle: &str) -> Result<()> {
    if haystack.contains(needle) {
        Ok(())
    } else {
        Err(anyhow!(
            "{what} should contain {needle:?}; it reads:\n{haystack}"
        ))
    }
}

/// Fails with a readable message if `haystack` contains `needle`.
pub fn must_not_contain(what: &str, haystack: &str, needle: &str) -> Result<()> {
    if haystack.contains(needle) {
        Err(anyhow!(
            "{what} should not contain {needle:?}; it reads:\n{haystack}"
        ))
    } else {
        Ok(())
    }
}
